// The labeler's page: instructions (acknowledged before the first item), then one item at a time, ranked by
// dragging or with keys 1..K (equal numbers tie). Model text is only ever set as textContent.
'use strict';

(() => {
  const { $, el, get, postWithRetry, ApiError, uuid } = App;
  const state = { campaign: null, task: null, ranks: new Map(), acknowledged: false, busy: false };

  function status(text) { $('status').textContent = text; }

  function failed(e) {
    if (e instanceof ApiError && e.status === 401) window.location.assign('/login');
    else status(e instanceof ApiError ? `Error: ${e.message}` : 'The server cannot be reached; try again.');
  }

  // ---- campaigns and instructions ----

  async function start() {
    const who = await App.me();
    $('who').textContent = who.name;
    App.wireLogout($('logout'));
    const campaigns = await get('/api/campaigns');
    const wanted = new URLSearchParams(window.location.search).get('campaign');
    const chosen = campaigns.find((c) => String(c.id) === wanted) || (campaigns.length === 1 ? campaigns[0] : null);
    if (chosen) openCampaign(chosen.id);
    else listCampaigns(campaigns);
  }

  function listCampaigns(campaigns) {
    const list = $('campaign-list');
    list.replaceChildren();
    if (campaigns.length === 0) list.append(el('li', { text: 'No campaign yet.' }));
    for (const c of campaigns) {
      const button = el('button', { type: 'button', className: 'link', text: c.name });
      button.addEventListener('click', () => {
        window.history.replaceState(null, '', `/label?campaign=${c.id}`);
        openCampaign(c.id);
      });
      const p = c.progress;
      list.append(el('li', {}, button, ` (${c.criterion}; ${p.done} done, ${p.available} left)`));
    }
    $('campaigns').hidden = false;
  }

  async function openCampaign(id) {
    $('campaigns').hidden = true;
    const info = await get(`/api/campaigns/${id}/instructions`);
    state.campaign = info;
    state.acknowledged = info.acknowledged;
    $('campaign-name').textContent = `${info.name} · ${info.criterion}`;
    $('k').textContent = String(info.k);
    $('show-instructions').hidden = false;
    renderInstructions(info);
    if (info.acknowledged) loadNext();
    else showInstructions(true);
  }

  // the instructions are HTML the server rendered from Markdown with raw HTML escaped; parsed, never executed
  function renderInstructions(info) {
    $('instructions-title').textContent = info.name;
    $('instructions-criterion').textContent = info.criterion;
    const doc = new DOMParser().parseFromString(info.html, 'text/html');
    $('instructions-body').replaceChildren(...doc.body.childNodes);
  }

  function showInstructions(show) {
    $('instructions').hidden = !show;
    $('work').hidden = show;
    $('acknowledge').hidden = state.acknowledged;
    $('close-instructions').hidden = !state.acknowledged;
  }

  async function acknowledge() {
    try {
      await postWithRetry(`/api/campaigns/${state.campaign.id}/acknowledge`, {});
      state.acknowledged = true;
      showInstructions(false);
      loadNext();
    } catch (e) { failed(e); }
  }

  // ---- one item ----

  async function loadNext() {
    try {
      const next = await get(`/api/campaigns/${state.campaign.id}/next`);
      showProgress(next.progress);
      showTask(next.task);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) { state.acknowledged = false; showInstructions(true); }
      else failed(e);
    }
  }

  function showProgress(p) {
    const total = Math.max(1, p.done + p.available);
    $('progress').max = total;
    $('progress').value = p.done;
    $('progress-text').textContent = `${p.done} done · ${p.available} left · ${p.skipped} skipped`;
  }

  function showTask(task) {
    state.task = task;
    state.ranks = new Map();
    $('item').hidden = !task;
    $('done').hidden = !!task;
    if (!task) return;
    // one id per item, kept across reloads, so that a retried submission is stored once
    const key = `submission:${state.campaign.id}:${task.promptId}`;
    state.submissionId = sessionStorage.getItem(key) || uuid();
    sessionStorage.setItem(key, state.submissionId);
    state.submissionKey = key;
    $('prompt').textContent = task.prompt;
    $('completions').replaceChildren(...task.completions.map(card));
    $('score').value = '';
    $('flag-unusable').checked = false;
    $('flag-harmful').checked = false;
    $('comment').value = '';
    refresh();
    $('completions').firstElementChild.focus();
  }

  function card(completion) {
    const handle = el('span', { className: 'handle', title: 'drag to reorder', 'aria-hidden': 'true', text: '⠿' });
    const rank = el('span', { className: 'rank', text: '–' });
    const tie = el('button', { type: 'button', className: 'tie', title: 'same rank as the completion above', text: '= above' });
    const text = el('div', { className: 'text', text: completion.text });
    const li = el('li', { className: 'card', tabindex: '0', dataset: { id: completion.id } },
      el('div', { className: 'side' }, handle, rank, tie), text);
    handle.addEventListener('pointerdown', (e) => startDrag(e, li));
    tie.addEventListener('click', () => tieWithAbove(li));
    return li;
  }

  const cards = () => Array.from($('completions').children);

  function refresh() {
    for (const c of cards()) {
      const r = state.ranks.get(c.dataset.id);
      c.querySelector('.rank').textContent = r === undefined ? '–' : String(r);
      c.classList.toggle('ranked', r !== undefined);
      c.setAttribute('aria-label', r === undefined ? 'not ranked yet' : `rank ${r}`);
    }
    const complete = state.task && state.ranks.size === state.task.completions.length;
    $('submit').disabled = state.busy || !(complete || $('flag-unusable').checked);
  }

  function setRank(li, rank) {
    state.ranks.set(li.dataset.id, rank);
    refresh();
  }

  function tieWithAbove(li) {
    const above = li.previousElementSibling;
    const r = above && state.ranks.get(above.dataset.id);
    if (r === undefined || r === null) { status('Rank the completion above first.'); return; }
    setRank(li, r);
  }

  // keys 1..K give the focused completion (or the first unranked one) that rank and move on; 0 clears it
  function onKey(e) {
    if (!state.task || $('item').hidden || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest && e.target.closest('input, textarea, select')) return;
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('.card');
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const target = focused && (e.key === 'ArrowDown' ? focused.nextElementSibling : focused.previousElementSibling);
      if (target) { target.focus(); e.preventDefault(); }
      return;
    }
    if (!/^[0-9]$/.test(e.key)) return;
    const n = Number(e.key);
    if (n > state.task.completions.length) return;
    const target = focused || cards().find((c) => !state.ranks.has(c.dataset.id));
    if (!target) return;
    e.preventDefault();
    if (n === 0) { state.ranks.delete(target.dataset.id); refresh(); return; }
    setRank(target, n);
    const next = target.nextElementSibling || cards().find((c) => !state.ranks.has(c.dataset.id));
    if (next) next.focus();
  }

  // ---- dragging (pointer events: mouse, pen and touch alike) ----

  function startDrag(e, li) {
    e.preventDefault();
    li.classList.add('dragging');
    const move = (ev) => {
      const others = cards().filter((c) => c !== li);
      const below = others.find((c) => {
        const r = c.getBoundingClientRect();
        return ev.clientY < r.top + r.height / 2;
      });
      $('completions').insertBefore(li, below || null);
    };
    const up = () => {
      document.removeEventListener('pointermove', move);
      document.removeEventListener('pointerup', up);
      li.classList.remove('dragging');
      // a dragged list is a full order: ranks follow the positions
      cards().forEach((c, i) => state.ranks.set(c.dataset.id, i + 1));
      refresh();
      li.focus();
    };
    document.addEventListener('pointermove', move);
    document.addEventListener('pointerup', up);
  }

  // ---- answers ----

  function tiers() {
    const byRank = new Map();
    for (const c of cards()) {
      const r = state.ranks.get(c.dataset.id);
      if (!byRank.has(r)) byRank.set(r, []);
      byRank.get(r).push(c.dataset.id);
    }
    return Array.from(byRank.keys()).sort((a, b) => a - b).map((r) => byRank.get(r));
  }

  async function send(skipped) {
    if (state.busy || !state.task) return;
    const unusable = $('flag-unusable').checked;
    const flags = ['unusable', 'harmful'].filter((f) => $(`flag-${f}`).checked);
    const score = $('score').value;
    const body = {
      submissionId: state.submissionId, promptId: state.task.promptId,
      ranking: skipped || unusable ? [] : tiers(), score: score === '' || skipped ? null : Number(score),
      flags: skipped ? [] : flags, comment: $('comment').value || null, skipped,
    };
    state.busy = true;
    refresh();
    status('Saving…');
    try {
      const result = await postWithRetry(`/api/campaigns/${state.campaign.id}/submit`, body,
        (attempt) => status(`Connection problem; retrying (${attempt})…`));
      sessionStorage.removeItem(state.submissionKey);
      status(skipped ? 'Skipped.' : result.duplicate ? 'Saved (already received).' : 'Saved.');
      showProgress(result.progress);
      state.busy = false;
      await loadNext();
    } catch (e) {
      state.busy = false;
      refresh();
      if (e instanceof ApiError && e.status === 409 && state.acknowledged) {
        // the item is no longer this labeler's (its lease ran out and it went to someone else): move on
        sessionStorage.removeItem(state.submissionKey);
        status(`${e.message}; here is the next item.`);
        await loadNext();
      } else {
        failed(e);
      }
    }
  }

  $('acknowledge').addEventListener('click', acknowledge);
  $('show-instructions').addEventListener('click', () => showInstructions(true));
  $('close-instructions').addEventListener('click', () => showInstructions(false));
  $('flag-unusable').addEventListener('change', refresh);
  $('reset').addEventListener('click', () => { state.ranks = new Map(); refresh(); });
  $('skip').addEventListener('click', () => send(true));
  $('submit').addEventListener('click', () => send(false));
  document.addEventListener('keydown', onKey);
  start().catch(failed);
})();

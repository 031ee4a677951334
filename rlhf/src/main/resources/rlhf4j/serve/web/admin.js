// The admin's page: campaigns, live progress and agreement (polled), exports, new campaigns and accounts.
'use strict';

(() => {
  const { $, el, get, post, ApiError, percent, fixed } = App;
  const POLL_MS = 3000;
  let selected = null;

  function message(target, e) {
    target.textContent = e instanceof ApiError ? `Error: ${e.message}` : 'The server cannot be reached.';
  }

  async function loadCampaigns() {
    const campaigns = await get('/api/admin/campaigns');
    const body = $('campaigns').querySelector('tbody');
    body.replaceChildren(...campaigns.map((c) => {
      const view = el('button', { type: 'button', className: 'link', text: 'view' });
      view.addEventListener('click', () => { selected = c.id; refreshStats(); });
      return el('tr', { dataset: { id: String(c.id) } }, el('td', { text: c.name }), el('td', { text: c.criterion }),
        el('td', { text: String(c.k) }), el('td', { text: String(c.labelersPerItem) }),
        el('td', { text: `${c.itemsDone} / ${c.items}` }), el('td', {}, view));
    }));
    if (selected === null && campaigns.length > 0) selected = campaigns[campaigns.length - 1].id;
  }

  async function refreshStats() {
    if (selected === null) return;
    const method = $('method').value;
    const threshold = $('threshold').value || '0.6';
    const s = await get(`/api/admin/campaigns/${selected}/stats?method=${encodeURIComponent(method)}`
      + `&threshold=${encodeURIComponent(threshold)}`);
    const c = s.campaign;
    $('stats').hidden = false;
    $('stats-name').textContent = `${c.name} (${c.criterion}, K ${c.k}, ${c.labelersPerItem} labelers per item)`;
    $('stats-progress').max = Math.max(1, c.items);
    $('stats-progress').value = c.itemsDone;
    $('stats-progress-text').textContent = `${c.itemsDone} of ${c.items} items done`;
    const a = s.agreement;
    $('fig-judgements').textContent = `${s.judgements} of ${c.items * c.labelersPerItem} needed`;
    $('fig-pairwise').textContent = a && a.pairwise !== null ? `${percent(a.pairwise)} of ${a.pairwiseCompared} comparisons` : 'n/a';
    $('fig-kappa').textContent = a ? fixed(a.fleissKappa) : 'n/a';
    $('fig-alpha').textContent = fixed(s.krippendorffAlpha);
    $('fig-tau').textContent = a ? fixed(a.kendallTau) : 'n/a';
    $('fig-multi').textContent = a ? `${a.multiplyJudged} of ${a.items}` : 'n/a';
    $('labelers').querySelector('tbody').replaceChildren(...s.labelers.map((l) => el('tr',
      { className: l.flaggedLowQuality ? 'flagged' : '' },
      el('td', { text: l.name }), el('td', { text: String(l.judgements) }), el('td', { text: fixed(l.perHour, 1) }),
      el('td', { text: percent(l.agreementWithConsensus) }), el('td', { text: percent(l.goldAccuracy) }),
      el('td', { text: l.flaggedLowQuality ? 'low quality' : '' }))));
    exportLinks();
    $('refreshed').textContent = `updated ${new Date().toLocaleTimeString()}`;
  }

  function exportLinks() {
    const consensus = encodeURIComponent($('export-consensus').value);
    const base = `/api/admin/campaigns/${selected}/export`;
    for (const format of ['feedback', 'groups']) {
      $(`export-${format}`).setAttribute('href', `${base}?format=${format}&consensus=${consensus}`);
    }
    $('export-trl').setAttribute('href', `${base}?format=trl&consensus=${encodeURIComponent($('method').value)}`);
  }

  async function loadAccounts() {
    const accounts = await get('/api/admin/accounts');
    $('accounts').querySelector('tbody').replaceChildren(...accounts.map((a) => {
      const link = el('button', { type: 'button', className: 'link', text: 'new login link' });
      link.addEventListener('click', async () => {
        try {
          const r = await post(`/api/admin/accounts/${a.id}/login-link`, {});
          $('login-link').value = window.location.origin + r.path;
          $('account-status').textContent = `Login link for ${a.name} (works once):`;
        } catch (e) { message($('account-status'), e); }
      });
      return el('tr', {}, el('td', { text: a.name }), el('td', { text: a.role.toLowerCase() }), el('td', {}, link));
    }));
  }

  async function createCampaign(event) {
    event.preventDefault();
    const num = (id) => Number($(id).value);
    try {
      const c = await post('/api/admin/campaigns', {
        name: $('c-name').value, criterion: $('c-criterion').value, source: $('c-source').value, format: $('c-format').value,
        gold: $('c-gold').value || null, k: num('c-k'), labelersPerItem: num('c-n'), leaseMinutes: num('c-lease'),
        instructions: $('c-instructions').value,
      });
      $('create-status').textContent = `Created campaign ${c.name} with ${c.items} items.`;
      selected = c.id;
      await loadCampaigns();
      await refreshStats();
    } catch (e) { message($('create-status'), e); }
  }

  async function addAccount(event) {
    event.preventDefault();
    try {
      const a = await post('/api/admin/accounts',
        { name: $('a-name').value, role: $('a-role').value, password: $('a-password').value || null });
      $('account-status').textContent = `Added ${a.name}.`;
      $('a-name').value = '';
      $('a-password').value = '';
      await loadAccounts();
    } catch (e) { message($('account-status'), e); }
  }

  async function poll() {
    try {
      await loadCampaigns();
      await refreshStats();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) { window.location.assign('/login'); return; }
      $('refreshed').textContent = 'refresh failed; retrying';
    }
    setTimeout(poll, POLL_MS);
  }

  async function start() {
    const who = await App.me();
    $('who').textContent = who.name;
    App.wireLogout($('logout'));
    $('create-form').addEventListener('submit', createCampaign);
    $('account-form').addEventListener('submit', addAccount);
    $('method').addEventListener('change', () => refreshStats().catch(() => {}));
    $('threshold').addEventListener('change', () => refreshStats().catch(() => {}));
    $('export-consensus').addEventListener('change', exportLinks);
    await loadAccounts();
    poll();
  }

  start().catch((e) => message($('refreshed'), e));
})();

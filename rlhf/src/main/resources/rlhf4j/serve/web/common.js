// Shared by the pages: the API client (CSRF header, retries), DOM building that only ever sets text, and UUIDs.
'use strict';

const App = (() => {
  let csrf = null;

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function request(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method === 'POST' && csrf) headers['X-CSRF-Token'] = csrf;
    const res = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) throw new ApiError(res.status, (data && data.error) || res.statusText || 'request failed');
    return data;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // POST that retries network failures and 5xx answers; safe because the body carries a client-generated id
  async function postWithRetry(path, body, onRetry, attempts = 6) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request('POST', path, body);
      } catch (e) {
        const transient = !(e instanceof ApiError) || e.status >= 500;
        if (!transient || attempt + 1 >= attempts) throw e;
        if (onRetry) onRetry(attempt + 1, e);
        await sleep(300 * 2 ** attempt);
      }
    }
  }

  // Builds an element; every string child becomes a text node, so untrusted text is never parsed as HTML
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'className') node.className = value;
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // Who is logged in; sends the browser to the login page when nobody is
  async function me() {
    try {
      const who = await request('GET', '/api/me');
      csrf = who.csrf;
      return who;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) window.location.assign('/login');
      throw e;
    }
  }

  function wireLogout(button) {
    button.addEventListener('click', async () => {
      try { await request('POST', '/api/logout'); } finally { window.location.assign('/login'); }
    });
  }

  const $ = (id) => document.getElementById(id);

  function percent(x) { return x === null || x === undefined ? 'n/a' : `${(100 * x).toFixed(1)}%`; }

  function fixed(x, digits = 3) { return x === null || x === undefined ? 'n/a' : x.toFixed(digits); }

  return {
    ApiError, get: (p) => request('GET', p), post: (p, b) => request('POST', p, b), postWithRetry,
    setCsrf: (t) => { csrf = t; }, el, uuid, me, wireLogout, $, percent, fixed, sleep,
  };
})();

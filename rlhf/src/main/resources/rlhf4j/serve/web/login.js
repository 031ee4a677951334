// The login page: name and password, or the token of a login link (?token=...), posted once.
'use strict';

(() => {
  const { $, post, ApiError } = App;
  const status = $('login-status');

  function go(who) { window.location.assign(who.role === 'ADMIN' ? '/admin' : '/label'); }

  function show(e) {
    status.textContent = e instanceof ApiError ? e.message : 'The server cannot be reached; try again.';
  }

  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    status.textContent = '';
    try {
      go(await post('/api/login', { name: $('name').value, password: $('password').value }));
    } catch (e) { show(e); }
  });

  const token = new URLSearchParams(window.location.search).get('token');
  if (token) {
    // keep the single-use token out of the history and the address bar
    window.history.replaceState(null, '', '/login');
    status.textContent = 'Logging in with your link…';
    post('/api/login/token', { token }).then(go, show);
  }
})();

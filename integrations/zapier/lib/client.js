'use strict';

// The Tripline instance of a connection: every Tripline is self-hosted, so
// the user gives its base URL beside the API key.
const baseURL = (bundle) => String(bundle.authData.base_url || '').replace(/\/+$/, '');

const api = (bundle, path) => `${baseURL(bundle)}${path}`;

// addAuth is the app's beforeRequest: the API key as a bearer token.
const addAuth = (request, z, bundle) => {
  if (bundle.authData && bundle.authData.api_key) {
    request.headers = request.headers || {};
    request.headers.Authorization = `Bearer ${bundle.authData.api_key}`;
  }
  return request;
};

// problemText turns a Tripline problem+json answer into an error message
// that names the fields at fault.
const problemText = (response) => {
  let p = response.data;
  if (!p || typeof p !== 'object') {
    try {
      p = JSON.parse(response.content);
    } catch {
      return `${response.status}: ${response.content}`;
    }
  }
  const fields = (p.errors || []).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
  return [p.detail || p.title || String(response.status), ...fields].join(' ');
};

// raiseProblems is the app's afterResponse: a 4xx or 5xx becomes an error
// with Tripline's explanation.
const raiseProblems = (response, z) => {
  if (response.status >= 400 && !response.skipThrowForStatus) {
    if (response.status === 401) throw new z.errors.RefreshAuthError(problemText(response));
    throw new z.errors.Error(problemText(response), 'TriplineError', response.status);
  }
  return response;
};

module.exports = { baseURL, api, addAuth, raiseProblems };

'use strict';

const { api } = require('./client');

// API-key authentication with the base URL of the user's Tripline; the
// connection test is GET /v1/me.
module.exports = {
  type: 'custom',
  fields: [
    {
      key: 'base_url',
      label: 'Tripline URL',
      required: true,
      type: 'string',
      helpText: 'The address of your Tripline, such as `https://tripline.example.com` (no path).',
    },
    {
      key: 'api_key',
      label: 'API key',
      required: true,
      type: 'password',
      helpText: 'An API key of your workspace (`tripline keys create --workspace NAME` prints one).',
    },
  ],
  test: async (z, bundle) => {
    const response = await z.request({ url: api(bundle, '/v1/me') });
    return response.data;
  },
  connectionLabel: '{{json.workspace.name}}',
};

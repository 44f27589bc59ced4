'use strict';

// Tripline for Zapier: REST-hook triggers for every trigger of Tripline's
// catalogue (generated into triggers.generated.json by
// scripts/generate-triggers.js), and actions to post events, apply tags and
// update contacts. docs/zapier.md says how to publish it.
const { version } = require('./package.json');
const { version: platformVersion } = require('zapier-platform-core');

const authentication = require('./lib/authentication');
const { addAuth, raiseProblems } = require('./lib/client');
const { triggers } = require('./lib/triggers');
const { creates } = require('./lib/creates');

module.exports = {
  version,
  platformVersion,
  authentication,
  beforeRequest: [addAuth],
  afterResponse: [raiseProblems],
  triggers,
  creates,
};

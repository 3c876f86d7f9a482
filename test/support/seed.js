// The seed of every fast-check property in the run: fixed, so a run is reproducible; printed by
// the summary reporter; overridable with WEBFARM_SEED=<integer> to explore other cases. A failing
// property reports the seed and path to replay it (fast-check's message).
'use strict';
const DEFAULT_SEED = 20261201;
function propertySeed() {
  const given = process.env.WEBFARM_SEED;
  if (given === undefined || given === '') return DEFAULT_SEED;
  if (!/^-?\d+$/.test(given))
    throw new Error(`WEBFARM_SEED must be an integer, not ${JSON.stringify(given)}`);
  return Number(given) | 0;
}
module.exports = { DEFAULT_SEED, propertySeed };

'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS loader: require() is how a .node file is loaded */
// Loader of the tsplc native addon (AF_PACKET raw sockets, sd_notify, GPIO character device).
// Loaded lazily by drivers/ only: the simulator and pure code never need it.
const path = require('path');

const candidates = [
  process.env.TSPLC_NATIVE_ADDON,
  path.join(__dirname, 'build', 'Release', 'tsplc_native.node'),
  path.join(__dirname, 'build', 'Debug', 'tsplc_native.node'),
].filter(Boolean);

let addon;
const failures = [];
for (const file of candidates) {
  try {
    addon = require(file);
    break;
  } catch (e) {
    failures.push(`${file}: ${e && e.message}`);
  }
}
if (!addon) {
  const e = new Error(
    'tsplc native addon not built: run `npm run build:native` (needs build-essential and python3).\n' + failures.join('\n'),
  );
  e.code = 'NATIVE_ADDON_MISSING';
  throw e;
}

module.exports = addon;

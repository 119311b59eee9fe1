/**
 * `require('turnlog')`: the package is an ES module, which `require()` loads from Node.js 20.19
 * and 22.12 on. An older Node.js refuses with ERR_REQUIRE_ESM, whose message names neither the
 * version needed nor the way out: say both.
 */
try {
  module.exports = require('./index.js');
} catch (error) {
  if ((error as { code?: unknown } | null)?.code !== 'ERR_REQUIRE_ESM') throw error;
  throw new Error(
    `require('turnlog') needs Node.js 20.19 or later on the 20 line, 22.12 or later on the 22 line (this is ${process.version}, ` +
      'or require() of ES modules is turned off): turnlog is an ES module. Upgrade Node.js, or load it with import(\'turnlog\').',
    { cause: error },
  );
}

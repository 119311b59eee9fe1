/**
 * `require('turnlog')`: the package is an ES module, which `require()` can load from Node.js
 * 20.19 and 22.12 on. An older Node.js refuses with ERR_REQUIRE_ESM, a message that names
 * neither the version needed nor the way out: say both.
 */
const MINIMUM = 'Node.js 20.19 (or 22.12 on the 22 line)';

try {
  module.exports = require('./index.js');
} catch (error) {
  if ((error as { code?: unknown } | null)?.code !== 'ERR_REQUIRE_ESM') throw error;
  throw new Error(
    `turnlog is an ES module: require('turnlog') needs ${MINIMUM} or later, and this is Node.js ${process.version}. ` +
      "Upgrade Node.js, or load it with import('turnlog').",
    { cause: error },
  );
}

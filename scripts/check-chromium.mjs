// Fails the e2e step (rather than skipping it) when no Chromium is available, saying how to get one.
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(path)) {
  console.error(
    `\n✗ End-to-end tests need Chromium, and none was found at ${path}.\n` +
      "  Install Debian's Chromium:  sudo apt-get install -y chromium\n" +
      '  or point CHROMIUM_PATH at a Chromium/Chrome binary:  CHROMIUM_PATH=/path/to/chrome npm test\n',
  );
  process.exit(1);
}
console.log(`Chromium for e2e tests: ${path}`);

// Which Chromium to drive and how: Debian's /usr/bin/chromium unless CHROMIUM_PATH names another,
// with WebGPU on SwiftShader (no GPU on CI) and no background networking (the machine is offline).
import { existsSync } from 'node:fs';

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

export function chromiumLaunchOptions() {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}. Install Debian's Chromium (sudo apt-get install -y chromium) ` +
        'or set CHROMIUM_PATH to a Chromium/Chrome binary.',
    );
  }
  const args = [
    '--enable-unsafe-webgpu',
    '--use-webgpu-adapter=swiftshader',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return { executablePath, args };
}

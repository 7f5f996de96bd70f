import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium, installed by scripts/ensure-chromium.sh (which .ci/run calls). */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether browser tests can run here; says so, visibly, when they cannot. */
export function chromiumAvailable(test: string): boolean {
  const available = existsSync(CHROMIUM);
  if (!available) console.warn(`SKIPPED: ${test} needs ${CHROMIUM} (run scripts/ensure-chromium.sh)`);
  return available;
}

/** Headless Chromium with the flags a machine without outside network needs. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });

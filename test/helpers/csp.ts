// Content-Security-Policy violations in a real Chromium page: recorded from the page's first script on,
// read back after the page ran (report and security tests).
import type { BrowserContext, Page } from 'playwright-core';

/** Every page of `context` records its CSP violations ("directive blocked-uri"). */
export function recordCspViolations(context: BrowserContext): Promise<void> {
  return context.addInitScript(() => {
    const w = window as unknown as { violations: string[] };
    w.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
}

/** The CSP violations `page` recorded so far. */
export const cspViolations = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { violations: string[] }).violations);

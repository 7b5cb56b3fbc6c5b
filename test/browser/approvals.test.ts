import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { allTools } from "../../src/tools/index.js";
import { type ApprovalsFixture, approvalIdIn, startApprovalsServer } from "../approvals/support.js";
import { callTool, harness, textOf } from "../http/support.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available && !process.env.CI) {
  console.warn(
    `\n*** SKIPPED: the approvals browser test needs Chromium at ${CHROMIUM} (apt-get install chromium). ***\n`,
  );
}
// Under CI a missing browser is a failure, not a skip.
const suite = available || process.env.CI ? describe : describe.skip;

// The README's screenshot is rewritten only on request (UPDATE_SCREENSHOT=1) or when missing, so a
// test run leaves the tree clean; otherwise it still renders, into the temp folder.
const DOCS_SCREENSHOT = fileURLToPath(new URL("../../docs/approvals.png", import.meta.url));
const SCREENSHOT =
  process.env.UPDATE_SCREENSHOT || !existsSync(DOCS_SCREENSHOT)
    ? DOCS_SCREENSHOT
    : join(tmpdir(), `approvals-${process.pid}.png`);
const MACHINE = { app_name: "demo-app", machine_id: "148ed193b95089" };
const SCRIPT = "<script>window.__pwned = 1</script>";

/** The element's text once it is there (playwright-core has no expect of its own). */
const textIn = (locator: Locator) => locator.first().innerText({ timeout: 10_000 });

suite("the approvals page in a real browser (Chromium)", () => {
  const h = harness();
  let fx: ApprovalsFixture;
  let context: BrowserContext;
  let profile: string;
  /** The page's own origin: localhost, which Chromium treats as a secure context (Secure cookies work). */
  let site: string;

  beforeAll(async () => {
    if (!available) throw new Error(`Chromium is missing at ${CHROMIUM}; CI must install it (.ci/run does)`);
    profile = mkdtempSync(join(tmpdir(), "approvals-browser-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1100, height: 860 },
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
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });
  afterEach(async () => {
    await h.cleanup();
    await fx?.handle.close();
    await context.clearCookies();
    for (const page of context.pages()) await page.close();
  });

  async function start() {
    fx = await startApprovalsServer({ tools: allTools });
    site = `http://localhost:${new URL(fx.origin).port}`;
    return (await h.connect(fx.handle.url, fx.keys.ci)).client;
  }

  async function signIn(key: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${site}/approvals`);
    await page.fill("#key", key);
    await Promise.all([
      page.waitForLoadState("load"),
      page.waitForResponse(/\/approvals\/sign-in$/),
      page.click("button[type=submit]"),
    ]);
    await page.waitForLoadState("load");
    return page;
  }

  it("sign in, see the pending call, approve it, see it gone; the agent's call then goes through once", async () => {
    const ci = await start();
    const id = approvalIdIn(textOf(await callTool(ci, "machines_delete", MACHINE)));
    const page = await signIn(fx.keys.alice);
    expect(await textIn(page.locator("header"))).toContain("alice");

    const cookies = await context.cookies(`${site}/approvals`);
    const session = cookies.find((c) => c.name === "fmm_approver");
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/approvals" });
    expect(session!.value).not.toContain(fx.keys.alice);

    const row = page.locator("tbody tr", { hasText: "machines_delete" });
    expect(await row.count()).toBe(1);
    await Promise.all([page.waitForURL(`${site}/approvals/${id}`), row.locator("a").click()]);
    expect(page.url()).toBe(`${site}/approvals/${id}`);
    expect(await textIn(page.locator(".message"))).toBe(
      "Allow machines_delete (Delete machine) on machine 148ed193b95089 in app demo-app? This is destructive and cannot be undone.",
    );
    await page.fill("#approve-reason", "planned cleanup");
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await Promise.all([page.waitForURL(/decided=/), page.click("button.approve")]);
    expect(new URL(page.url()).pathname).toBe("/approvals");
    expect(await textIn(page.locator("[role=status]"))).toContain("machines_delete by ci: approved");
    expect(await page.locator("tbody tr", { hasText: "machines_delete" }).count()).toBe(0);

    const done = await callTool(ci, "machines_delete", { ...MACHINE, approval_id: id });
    expect(done.isError).toBeFalsy();
    expect(fx.flyRequests.filter((r) => r.startsWith("DELETE"))).toHaveLength(1);
    expect(fx.audit.find((e) => e.event === "approval_decided")).toMatchObject({
      approvalId: id,
      approver: "alice",
      decision: "approved",
      reason: "planned cleanup",
    });
  });

  it("deny with a reason: the agent is told why", async () => {
    const ci = await start();
    const id = approvalIdIn(textOf(await callTool(ci, "machines_delete", MACHINE)));
    const page = await signIn(fx.keys.alice);
    await page.goto(`${site}/approvals/${id}`);
    await page.fill("#deny-reason", "not during the sale");
    await Promise.all([page.waitForURL(/decided=/), page.click("button.deny")]);
    expect(await textIn(page.locator("[role=status]"))).toContain("denied");
    const after = await callTool(ci, "machines_delete", { ...MACHINE, approval_id: id });
    expect(after.isError).toBe(true);
    expect(textOf(after)).toContain("denied by alice: not during the sale");
    expect(fx.flyRequests.filter((r) => r.startsWith("DELETE"))).toEqual([]);
  });

  it("an argument holding <script> shows as text, and no script runs", async () => {
    const ci = await start();
    const waiting = await callTool(ci, "machines_metadata_update", {
      ...MACHINE,
      metadata: { role: "", note: SCRIPT },
    });
    const id = approvalIdIn(textOf(waiting));
    const page = await signIn(fx.keys.alice);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${site}/approvals/${id}`);
    expect(await textIn(page.locator("pre.args"))).toContain(SCRIPT);
    expect(await page.locator("script").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    const csp = (await page.request.get(`${site}/approvals/${id}`)).headers()["content-security-policy"];
    expect(csp).toContain("default-src 'none'");
  });

  it("a cross-site form post is refused, and the approval stays pending", async () => {
    const ci = await start();
    const id = approvalIdIn(textOf(await callTool(ci, "machines_delete", MACHINE)));
    const page = await signIn(fx.keys.alice);
    // The approver's own CSRF token, so only the Origin check and SameSite stand in the way.
    await page.goto(`${site}/approvals/${id}`);
    const csrf = await page.locator("form.card input[name=csrf]").first().getAttribute("value");
    const attacker: Server = createHttpServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(
        `<form method="post" action="${site}/approvals/${id}/approve"><input name="csrf" value="${csrf}"></form>` +
          "<script>document.forms[0].submit()</script>",
      );
    });
    await new Promise<void>((r) => attacker.listen(0, "127.0.0.1", r));
    try {
      const evil = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
      const answer = page.waitForResponse((res) => res.url().endsWith(`/approvals/${id}/approve`));
      await page.goto(evil);
      expect((await answer).status()).toBe(403);
    } finally {
      attacker.close();
    }
    // Same origin and signed in, but without the form's token: refused too.
    const tokenless = await page.request.post(`${site}/approvals/${id}/approve`, {
      form: { csrf: "not-the-token" },
      headers: { origin: site },
      maxRedirects: 0,
    });
    expect(tokenless.status()).toBe(403);
    expect((await fx.approvals.get(id))?.status).toBe("pending");
    expect(fx.audit.some((e) => e.event === "approval_decided")).toBe(false);
  });

  it("an agent key is refused on the sign-in form", async () => {
    await start();
    const page = await signIn(fx.keys.ci);
    expect(await textIn(page.locator("[role=alert]"))).toContain("That is an agent key");
    expect((await context.cookies(`${site}/approvals`)).some((c) => c.name === "fmm_approver")).toBe(false);
  });
});

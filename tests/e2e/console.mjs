// The privacy officer's console in a real browser: Debian's chromium, driven by playwright-core
// (pinned in package.json), presenting the privacy officer's client certificate through
// Playwright's clientCertificates. tests/integration/console_e2e_test.cc starts a gateway with
// a few exchanges and runs
//   NODE_EXTRA_CA_CERTS=<root-ca.pem> node tests/e2e/console.mjs PARAMS.json
// with PARAMS = {origin, certs, chromium, subject, other, case_reference, screenshots?}; the
// gateway holds one open break-glass access, which the officer reviews here, and its
// checkpoints are cosigned by one witness. Every step
// waits for something the page shows (Playwright's auto-waiting locators), never for a time.
import { readFileSync } from "node:fs";
import { join } from "node:path";

let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch {
  console.log("playwright-core is not installed: run scripts/install-deps (it runs npm ci)");
  process.exit(2);
}

const params = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { origin, certs, subject, other, screenshots } = params;

let step = "start";
const ok = (what) => console.log(`ok    ${what}`);
function check(condition, what) {
  if (!condition) throw new Error(`expected: ${what}`);
  ok(what);
}

const browser = await chromium.launch({
  executablePath: params.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
// Playwright answers the gateway's certificate request with the officer's certificate (and its
// issuing CA, in the same file) and checks the gateway's certificate against the federation root
// (NODE_EXTRA_CA_CERTS): no certificate error is ignored.
const context = await browser.newContext({
  clientCertificates: [
    {
      origin,
      certPath: join(certs, "soite-tietosuoja.pem"),
      keyPath: join(certs, "soite-tietosuoja.key"),
    },
  ],
  acceptDownloads: true,
  locale: "fi-FI",
  timezoneId: "Europe/Helsinki",
  viewport: { width: 1280, height: 900 },
});
context.setDefaultTimeout(10000);
const page = await context.newPage();
const problems = [];
page.on("console", (m) => {
  if (m.type() === "error") problems.push(`console: ${m.text()}`);
});
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

async function shot(name) {
  if (screenshots) await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}
const heading = (name) => page.getByRole("heading", { level: 1, name });
const link = (name) => page.getByRole("link", { name, exact: true });
const button = (name) => page.getByRole("button", { name, exact: true });
const rows = page.locator("table.records tbody tr");
const rowsOfType = (type) => page.locator(`table.records tbody tr[data-type="${type}"]`);
// Searches, and waits until the results show `count` rows (the previous search's results stay
// on the page until the new ones arrive).
async function search(count) {
  await button("Hae").click();
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll("table.records tbody tr").length === n &&
      !document.querySelector("form.filters button[type=submit]")?.disabled,
    count,
  );
  await page.getByRole("heading", { name: "Hakutulokset, sivu 1" }).waitFor();
}

try {
  step = "sign in";
  const response = await page.goto(`${origin}/console/`);
  check(response.status() === 200, "the console opens with the officer's certificate");
  await heading("Kuka olen").waitFor();
  check((await page.locator("html").getAttribute("lang")) === "fi", "in Finnish (the browser's fi-FI)");
  await page.getByText("Kirjautuneena: Soite tietosuojavastaava (privacy officer)").waitFor();
  ok("signed in as the privacy officer");

  step = "search by identity code";
  await link("Lokitietojen haku").click();
  await heading("Lokitietojen haku").waitFor();
  await page.getByLabel("Henkilötunnus").fill(subject);
  await search(3);
  check((await rowsOfType("decision").count()) === 2, "the child's two decisions (one granted, one denied)");
  check((await rowsOfType("disclosure").count()) === 1, "and the one disclosure, nothing about anybody else");
  check(!page.url().includes(subject), "the identity code is not in the page's address");
  await shot("console-search");

  step = "the denied filter";
  await page.getByLabel("Lopputulos").selectOption("denied");
  await search(1);
  ok("the denied filter leaves one record");
  check((await rowsOfType("decision").count()) === 1, "a decision");
  await rows.first().locator(".decision.denied", { hasText: "Evätty" }).waitFor();
  ok("shown as denied");

  step = "case reference and export";
  await page.getByLabel("Lopputulos").selectOption("");
  await page.getByLabel("Asiaviite").fill(params.case_reference);
  await search(2);
  ok("the case reference finds its decision and its disclosure");
  const [download] = await Promise.all([page.waitForEvent("download"), button("Tallenna CSV").click()]);
  const csv = readFileSync(await download.path(), "utf8");
  const lines = csv.trimEnd().split("\r\n");
  check(lines[0].startsWith("origin,seq,time,type,"), "the CSV has its header");
  check(lines.length === 3, "and the two records");
  check(lines.slice(1).every((l) => l.includes(params.case_reference)), "each with the case reference");
  check(!csv.includes(subject), "and never the identity code");
  await page.locator("section.export p.status", { hasText: /^2 tapahtumaa tallennettu tiedostoon silta-audit-\d{8}-\d{6}\.csv\.$/ }).waitFor();
  ok("the console says what it saved");

  step = "check a record in this browser";
  const disclosure = rowsOfType("disclosure");
  await disclosure.getByRole("button").click();
  await heading(/^Tapahtuma silta-test #\d+$/).waitFor();
  await page.locator("dd", { hasText: params.case_reference }).waitFor();
  ok("the detail shows the case reference");
  // Checkpoints come every 200 ms: a record newer than the latest one is checked again.
  let verified = false;
  for (let i = 0; i < 20 && !verified; ++i) {
    await button("Tarkista tässä selaimessa").click();
    const result = page.locator(".record-verify [role=status] span");
    await result.waitFor();
    const text = await result.textContent();
    verified = text.startsWith("Tapahtuma on lokissa muuttamattomana");
    if (!verified && !text.includes("uudempi kuin uusin tarkistuspiste")) throw new Error(text);
  }
  check(verified, "the inclusion proof of a genuine record verifies in the browser");
  await shot("console-record");
  await button("Takaisin hakutuloksiin").click();

  step = "the person's report";
  await link("Henkilön raportti").click();
  await heading("Henkilön lokitietoraportti").waitFor();
  await page.getByLabel("Henkilötunnus").fill(subject);
  await button("Laadi raportti").click();
  const copy = page.locator("article.person-copy");
  await copy.getByRole("heading", { name: "Lokitietoraportti: kuka on käsitellyt tietojasi" }).waitFor();
  check((await copy.getAttribute("lang")) === "fi", "the person's copy is in Finnish");
  check((await copy.locator("tbody tr").count()) >= 2, "with the events about the child");
  await copy.getByRole("columnheader", { name: "Vastaanottaja" }).waitFor();
  await copy.getByText(/^Kokkolan kaupunki, perusopetus/).first().waitFor();
  ok("organisations by their names");
  check(!page.url().includes(subject), "the identity code is not in the page's address");
  await shot("console-report");
  await page.emulateMedia({ media: "print" });
  check(!(await page.locator("nav").isVisible()), "printed, the menu is left out");
  check(!(await page.locator(".officer-only").isVisible()), "and so is the officer's part");
  check(await copy.isVisible(), "the person's copy is printed");
  await page.emulateMedia({ media: "screen" });
  await page.getByLabel("Raportin kieli").selectOption("sv");
  await button("Laadi raportti").click();
  await page.locator("article.person-copy[lang=sv]").waitFor();
  ok("and in Swedish when asked, the console staying in Finnish");
  check((await page.locator("html").getAttribute("lang")) === "fi", "the console is still in Finnish");

  step = "another person";
  await page.getByLabel("Henkilötunnus").fill(other);
  await page.getByLabel("Raportin kieli").selectOption("fi");
  await button("Laadi raportti").click();
  await copy.getByText("Tietojesi käytöstä tai luovutuksesta ei ole merkintöjä.").waitFor();
  ok("a person with no events gets a report that says so");

  step = "break-glass review";
  await link("Hätäkäytöt").click();
  await heading("Hätäkäyttöjen tarkastus").waitFor();
  await page.locator("p.summary", { hasText: /^Avoimia 1, joista myöhässä 0; tarkastettuja 0\./ }).waitFor();
  ok("the queue counts the open, overdue and reviewed items");
  const card = page.locator("article.card", {
    has: page.getByRole("heading", { name: "soite-lastensuojelu → pohjanmaa-poliisi" }),
  });
  await card.getByRole("button", { name: "Tallenna arvio" }).click();
  await card.getByRole("alert").getByText("Valitse arvio.").first().waitFor();
  ok("a review without a verdict is refused, in Finnish");
  await card.getByLabel("Perusteltu", { exact: true }).check();
  await card.getByLabel("Huomautus").fill("Välitön väkivallan uhka; ATL 62 § soveltuu.");
  await card.getByRole("button", { name: "Tallenna arvio" }).click();
  await card.getByText("Arvio tallennettu: perusteltu.").waitFor();
  ok("reviewed: justified");
  await page.getByLabel("Näytä", { exact: true }).selectOption("reviewed");
  await button("Päivitä luettelo").click();
  await page.locator("p.summary", { hasText: /^Avoimia 0, joista myöhässä 0; tarkastettuja 1\./ }).waitFor();
  await card.getByText("Välitön väkivallan uhka; ATL 62 § soveltuu.").waitFor();
  ok("and in the history of reviews, with the note");
  await shot("console-break-glass");

  step = "checkpoint";
  await link("Lokin eheys").click();
  await heading("Lokin eheys").waitFor();
  await page.getByText(/^Tämä selain tarkisti tarkistuspisteen allekirjoituksen avaimella silta-test\.$/).waitFor();
  ok("the checkpoint's signature is checked in the browser");
  await page.getByText("1/1 todistajan kosignatuuri on voimassa tässä tarkistuspisteessä (vaaditaan 1).").waitFor();
  const witness = page.locator("table.witnesses tbody tr", { hasText: "witness.test/w1" });
  await witness.locator(".decision.granted", { hasText: "Voimassa, allekirjoitettu" }).waitFor();
  await witness.getByText("Toiminnassa").waitFor();
  ok("and the witness's cosignature too");
  await shot("console-checkpoint");

  step = "no errors";
  check(problems.length === 0, `no script errors or CSP violations${problems.length ? `: ${problems.join("; ")}` : ""}`);
} catch (error) {
  console.log(`FAILED at "${step}": ${error.message}`);
  console.log(problems.join("\n"));
  await browser.close();
  process.exit(1);
}
await browser.close();
console.log("console e2e: all steps passed");

// The privacy officer's console in a real browser: Debian's chromium, driven by playwright-core
// (pinned in package.json), presenting the privacy officer's client certificate through
// Playwright's clientCertificates. tests/integration/console_e2e_test.cc starts a gateway with
// a few exchanges and runs
//   NODE_EXTRA_CA_CERTS=<root-ca.pem> node tests/e2e/console.mjs PARAMS.json
// with PARAMS = {origin, certs, chromium, subject, other, case_reference, acted_by,
// acted_by_count, screenshots?}; the
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
// Playwright answers the gateway's certificate request with the officer's personal certificate
// (and its issuing CA, in the same file; registry "persons": Liisa Laine acts for
// soite-tietosuoja) and checks the gateway's certificate against the federation root
// (NODE_EXTRA_CA_CERTS): no certificate error is ignored.
const context = await browser.newContext({
  clientCertificates: [
    {
      origin,
      certPath: join(certs, "liisa.laine.pem"),
      keyPath: join(certs, "liisa.laine.key"),
    },
  ],
  acceptDownloads: true,
  locale: "fi-FI",
  timezoneId: "Europe/Helsinki",
  viewport: { width: 1200, height: 800 },
});
context.setDefaultTimeout(10000);
const page = await context.newPage();
const problems = [];
page.on("console", (m) => {
  if (m.type() === "error") problems.push(`console: ${m.text()}`);
});
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

// An identity code (HETU) as it may appear on a screen: a typed one, or a hint's example.
const identityCode = /\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/;
// A screenshot for the privacy officer's guide. Whatever holds an identity code, text or a
// field's value, is painted over: no identity code is ever in a picture, synthetic or not.
async function shot(name) {
  if (!screenshots) return;
  const fields = page.locator("input");
  const masked = [page.getByText(identityCode)];
  for (let i = 0; i < (await fields.count()); ++i) {
    if (identityCode.test(await fields.nth(i).inputValue())) masked.push(fields.nth(i));
  }
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true, mask: masked, maskColor: "#9aa0a6" });
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
  await page.getByText("Kirjautuneena: Liisa Laine, Soite tietosuojavastaava (privacy officer)").waitFor();
  await page.getByText("Jokainen tällä konsolilla tehty haku kirjataan lokiin käyttäjätunnuksella liisa.laine.").waitFor();
  ok("signed in as the privacy officer named by her own certificate");

  step = "search by identity code, with the keyboard only";
  // Tab to the menu's link and open it with Enter; the screen's heading takes the focus, the
  // next Tab reaches the first filter, and Tab after Tab, never leaving the form, its button.
  const focused = () =>
    page.evaluate(() => {
      const e = document.activeElement;
      return { id: e?.id ?? "", text: e?.textContent ?? "", tag: e?.tagName ?? "", inForm: Boolean(e?.closest("form.filters")) };
    });
  async function tabTo(wanted, limit) {
    for (let i = 0; i < limit; ++i) {
      await page.keyboard.press("Tab");
      const f = await focused();
      if (wanted(f)) return f;
    }
    throw new Error(`not reached with ${limit} presses of Tab`);
  }
  await tabTo((f) => f.tag === "A" && f.text === "Lokitietojen haku", 10);
  await page.keyboard.press("Enter");
  await heading("Lokitietojen haku").waitFor();
  check((await focused()).id === "view-heading", "the search's heading has the focus");
  await page.keyboard.press("Tab");
  check((await focused()).id === "f-subject", "Tab goes to the identity code");
  await page.keyboard.type(subject);
  await tabTo((f) => {
    if (!f.inForm) throw new Error(`Tab left the form (at ${f.tag} ${f.id})`);
    return f.tag === "BUTTON" && f.text === "Hae";
  }, 40);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Hakutulokset, sivu 1" }).waitFor();
  check((await rows.count()) === 3, "Enter on the button searches: three records");
  await page.waitForFunction(() => document.activeElement?.id === "results-heading");
  ok("and the focus moves to the results' heading");
  check((await rowsOfType("decision").count()) === 2, "the child's two decisions (one granted, one denied)");
  check((await rowsOfType("disclosure").count()) === 1, "and the one disclosure, nothing about anybody else");
  check(!page.url().includes(subject), "the identity code is not in the page's address");
  await shot("console-search");
  await page.getByLabel("Henkilötunnus").fill(subject);
  await page.getByLabel("Henkilötunnus").press("Enter");
  await page.waitForFunction(() => document.activeElement?.id === "results-heading");
  ok("Enter in a field searches too, the focus again on the results");

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

  step = "the acting official";
  await page.getByLabel("Asiaviite").fill("");
  await page.getByLabel("Henkilötunnus").fill("");
  await page.getByLabel("Toiminut henkilö").fill(params.acted_by);
  await search(params.acted_by_count);
  const actors = await rows.locator("td:nth-child(4)").allTextContents();
  check(actors.every((a) => a === params.acted_by), `every record found was made by ${params.acted_by}`);
  ok(`all ${params.acted_by_count} of them`);
  const [byActor] = await Promise.all([page.waitForEvent("download"), button("Tallenna JSON").click()]);
  const saved = JSON.parse(readFileSync(await byActor.path(), "utf8"));
  check(saved.query.acted_by === params.acted_by, "the JSON export names the acting official among its filters");
  check(saved.records.length === params.acted_by_count && saved.records.every((r) => r.actor === params.acted_by),
    "and holds just that official's records");
  await page.getByLabel("Toiminut henkilö").fill("");

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

  step = "charts";
  await link("Tilastot").click();
  await heading("Tilastot kuvina").waitFor();
  await page.waitForFunction(() => document.activeElement?.id === "stats-heading");
  ok("the charts of the last twelve weeks, the focus on their heading");
  await page.locator("section.stats p.status", { hasText: /^Luettu 2 päätöstä ja 1 hätäkäyttöä\.$/ }).waitFor();
  check((await page.locator("section.stats .notice").count()) === 0, "all of them: none left out");
  const agencyChart = page.locator("figure.chart", {
    has: page.locator("figcaption", { hasText: /^soite-lastensuojelu: myönnetyt ja evätyt pyynnöt viikoittain$/ }),
  });
  check((await page.locator("figure.chart").count()) === 2, "one chart for the one agency that asked, one for emergency accesses");
  const picture = agencyChart.getByRole("img", { name: /^soite-lastensuojelu: myönnetyt ja evätyt pyynnöt viikoittain/ });
  await picture.waitFor();
  ok("the chart is an image named by its title");
  await agencyChart.locator("p.chart-description", { hasText: /^12 viikkoa ajalta .*: yhteensä 2 myönnettyä ja 1 evättyä\.$/ }).waitFor();
  ok("its description: 2 granted (the exchange, the emergency access) and 1 denied");
  check((await agencyChart.locator("rect.bar.granted").count()) === 12, "a bar of granted requests for each week");
  await agencyChart.locator("summary", { hasText: "Luvut taulukkona" }).click();
  const weekRows = agencyChart.locator("table.figures tbody tr");
  check((await weekRows.count()) === 12, "the table: a row for each week");
  const cells = await weekRows.locator("td").allTextContents();
  const column = (k) => cells.filter((_, i) => i % 2 === k).reduce((a, b) => a + Number(b), 0);
  check(column(0) === 2 && column(1) === 1, "with the same figures as the description");
  const bgChart = page.locator("#chart-break-glass");
  await bgChart.locator("p.chart-description", { hasText: / yhteensä 1 hätäkäyttöä; eniten 1 kuukaudessa \(/ }).waitFor();
  await bgChart.locator("summary", { hasText: "Luvut taulukkona" }).click();
  const months = await bgChart.locator("table.figures tbody td").allTextContents();
  check(months.map(Number).reduce((a, b) => a + b, 0) === 1, "one emergency access by month, in its table too");
  await shot("console-stats");

  step = "referral deadlines";
  await link("Ilmoitusten määräajat").click();
  await heading("Ilmoitukset ja niiden määräajat").waitFor();
  await page.getByText("Ei ilmoituksia tässä luettelossa.").waitFor();
  ok("the referral deadlines: due within 14 days, none in this story");
  await page.locator("#rf-within").selectOption("");
  await button("Päivitä luettelo").click();
  await page.getByText("Ei ilmoituksia tässä luettelossa.").waitFor();
  ok("every referral: none, the read answered (and audited) without a problem");

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

  step = "a rolled-back log";
  // The browser remembers a bigger log than the gateway now serves, as it does after the
  // gateway's log was replaced by an older copy of itself: the alarm is raised on the next visit,
  // whatever screen is open, and the remembered state is kept (not overwritten by the smaller).
  const remembered = await page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("silta.console.log."));
    const known = JSON.parse(localStorage.getItem(key));
    const bigger = { ...known, size: String(BigInt(known.size) + 1000n) };
    localStorage.setItem(key, JSON.stringify(bigger));
    return { key, size: bigger.size };
  });
  await page.goto(`${origin}/console/#/search`);  // only the hash changes: then load it anew
  await page.reload();
  const alarm = page.locator("#alarm [role=alert]");
  await alarm.getByText("Hälytys: lokin eheys ei täsmää").waitFor();
  await alarm.getByText("Lokissa on vähemmän tapahtumia kuin tarkistuspisteessä, jonka tämä selain tarkisti viimeksi: lokia on palautettu taaksepäin.").waitFor();
  const kept = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)).size, remembered.key);
  check(kept === remembered.size, "the remembered checkpoint is kept as it was");
  ok("a rolled-back log raises the alarm");

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

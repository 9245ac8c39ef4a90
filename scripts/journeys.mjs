// The three first-day journeys of issue 27, walked in Chromium against a
// running demo test room, counting what a person does: every click (links,
// buttons, radio buttons, check boxes, options chosen) and every key that
// acts (j, a, Enter on a row), but not the letters typed into a field; and
// every page the browser loads. Run by scripts/journeys; prints one line per
// journey and the steps, for docs/journeys.md.
//
// usage: node journeys.mjs BASE_URL PASSWORD
import { chromium } from "playwright-core";

const [base, password] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.PROVRUM_CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
const results = [];

async function journey(name, user, walk) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const j = { name, clicks: 0, loads: 0, log: [] };
  page.on("framenavigated", (f) => { if (f === page.mainFrame()) j.loads++; });
  const act = async (what, locator) => {
    await locator.first().click();
    await page.waitForLoadState("load");
    j.clicks++;
    j.log.push(what);
  };
  const choice = (what) => { j.clicks++; j.log.push(what); };
  const key = async (what, k) => { await page.keyboard.press(k); await page.waitForTimeout(400); j.clicks++; j.log.push(what); };
  const type = async (locator, text) => locator.first().fill(text);
  await page.goto(base + "/konto/logga-in");
  await type(page.locator("[name=username]"), user);
  await type(page.locator("[name=password]"), password);
  await act("logga in", page.locator("form.login button[type=submit], form button[type=submit]"));
  try {
    await walk({ page, act, key, type, choice });
  } catch (e) {
    await page.screenshot({ path: "/tmp/journey-failed.png", fullPage: true });
    console.error(`${name}: stopped at ${page.url()} after ${j.log.join(" → ")}`);
    throw e;
  }
  results.push(j);
  await ctx.close();
}

// Fill a sandbox step's questions as a person would: a choice per radio
// group, a tick per check box group, an option per select, text typed.
async function fillStep(page, act, type, choice) {
  for (const f of await page.locator("form[data-step] [data-field]:visible").all()) {
    // What a person skips: optional questions and answers already there
    // (the e-legitimation fills in name and personnummer).
    if ((await f.innerText()).includes("(frivilligt)")) continue;
    const radios = f.locator("input[type=radio]");
    const boxes = f.locator("input[type=checkbox]");
    const select = f.locator("select");
    const text = f.locator("input[type=text], input[type=email], input[type=tel], input[type=number], input[type=date], input:not([type]), textarea");
    if (await radios.count()) {
      if (!(await f.locator("input[type=radio]:checked").count())) await act("välj svar", radios);
    } else if (await boxes.count()) {
      if (!(await f.locator("input[type=checkbox]:checked").count())) await act("kryssa", boxes);
    } else if (await select.count()) {
      if (!(await select.first().inputValue())) { await select.first().selectOption({ index: 1 }); choice("välj i listan"); }
    } else if (await text.count()) {
      if (await text.first().inputValue()) continue;
      const t = await text.first().getAttribute("type");
      await type(text, t === "email" ? "test@example.se" : t === "number" ? "2" : t === "date" ? "2026-12-01" : t === "tel" ? "070-1234567" : "Det bullrar från grannens värmepump varje natt.");
    }
  }
}

const service = "Anmälan om olägenhet";
const V = "/tjanster/anmalan-om-olagenhet/2.1.0-rc1";

// A form posted with the page's CSRF token, for what the journeys start
// from (not counted).
async function post(page, url, fields) {
  await page.goto(base + "/konto/logga-ut");
  const status = await page.evaluate(async ([url, fields]) => {
    const body = new URLSearchParams(fields);
    body.set("_csrf", document.querySelector("[name=_csrf]").value);
    return (await fetch(url, { method: "POST", body, credentials: "same-origin" })).status;
  }, [url, fields]);
  if (status !== 200) throw new Error(`${url}: ${status}`);
}

// E-kontoret opens the round the reviewers answer (not counted in a journey).
await journey("förberedelse", "ekontoret", async ({ page, act, type }) => {
  await act("tjänsten", page.getByRole("link", { name: `${service} 2.1.0-rc1` }));
  await act("granskningsomgång", page.getByRole("link", { name: "Granskningsomgång" }));
  await type(page.locator("#deadline"), "2099-12-31");
  await act("öppna", page.locator("[data-action=open-round]"));
});
await journey("förberedelse", "granskare-karlstad", async ({ page }) => {
  await post(page, `${V}/synpunkter`, { kommun: "karlstad", plats: "om-dig", klass: "fel", text: "Telefonnumret saknar riktnummer." });
});
await journey("förberedelse", "jurist", async ({ page }) => {
  const item = `${V}/checklistor/grundkrav/dataminimering`;
  await post(page, item, { status: "uppfyllt", kommun: "arvika", kommentar: "Bara e-post efterfrågas; det behövs för svaret." });
  await post(page, item, { status: "ej_uppfyllt", kommun: "eda", kommentar: "E-post behövs inte: vi svarar med brev." });
});

await journey("granskare", "granskare-arvika", async ({ page, act, type, choice }) => {
  // 1. Try the variant, leaving a comment on the way.
  await act("prova varianten", page.locator("[data-task=try]"));
  await act("starta", page.locator("[data-action=start]"));
  if (!(await page.locator("input[name=person]:checked").count())) await act("välj testperson", page.locator("input[name=person]"));
  await act("logga in", page.locator("[data-action=login]"));
  let commented = false;
  for (let i = 0; i < 12 && (await page.locator("form[data-step]").count()); i++) {
    await fillStep(page, act, type, choice);
    if (!commented) {
      commented = true;
      await act("lämna synpunkt", page.locator("[data-action=leave-feedback]"));
      await type(page.locator("textarea[name=text]"), "Lagringstiden för anmälan står inte i informationen.");
      await act("klass", page.locator("input[name=klass][value=juridisk]"));
      await type(page.locator("textarea[name=motivering]"), "GDPR art. 13.2 a kräver lagringstiden.");
      await act("spara synpunkt", page.locator("[data-action=save-comment]"));
      if (await page.locator("[data-action=next]").count() === 0) await act("tillbaka till steget", page.getByRole("link", { name: /tillbaka/i }));
      await fillStep(page, act, type, choice);
    }
    // Another municipality's comment here: agree with it from the panel.
    const others = page.locator("[data-elsewhere] summary");
    if (await others.count()) {
      await act("andra kommuners synpunkter", others);
      await act("instäm", page.locator("[data-elsewhere] [data-action=endorse]"));
    }
    const before = page.url();
    await act("nästa", page.locator("[data-action=next]"));
    if (page.url() === before) throw new Error("the step did not go on: " + (await page.locator(".error-summary").innerText().catch(() => "")));
  }
  await act("skicka", page.locator("[data-action=submit]"));
  if (await page.locator("[data-action=sign]").count()) await act("signera", page.locator("[data-action=sign]"));
  // 2. Back to the start page: the comments on the variant.
  await page.goto(base + "/"); // the address bar: the receipt is the citizen's page
  await act("läs synpunkterna", page.locator("[data-task=comments]"));
  // 3. Answer the round.
  await page.goto(base + "/");
  await act("svara", page.locator("[data-task=answer]"));
  await act("svar", page.locator("input[name=svar]"));
  await act("skicka svar", page.locator("[data-action=answer-round]"));
});

await journey("jurist", "jurist", async ({ page, act, type, choice }) => {
  // 1. Assess one item waiting for an assessment.
  await act("checklistorna", page.getByRole("link", { name: /Bedöm punkterna i checklistorna för Anmälan om olägenhet/ }));
  await act("en punkt", page.locator("a[href*='/checklistor/grundkrav/']").first());
  await act("status", page.locator("input[name=status]"));
  await type(page.locator("#a-kommentar"), "Informationen finns på startsidan.");
  await act("spara bedömning", page.locator("[data-action=assess]"));
  // 2. Answer the legal question from the start page.
  await page.goto(base + "/");
  const q = page.locator("[data-desk=legal] .worklist a");
  if (await q.count()) {
    await act("den juridiska frågan", q);
    await page.locator("#a-punkt").selectOption({ index: 1 });
    choice("punkt i listan");
    await act("bedömning", page.locator("input[name=bedomning]"));
    await act("gäller", page.locator("input[name=omfattning]"));
    await type(page.locator("#a-kommentar"), "Lagringstiden ska anges: GDPR art. 13.2 a.");
    await act("svara med bedömning", page.locator("[data-action=answer-question]"));
  }
  // 3. Two readings differ: propose the regional one.
  await page.goto(base + "/");
  const c = page.getByRole("link", { name: /Se tolkningarna/ });
  if (await c.count()) {
    await act("tolkningarna", c);
    await type(page.locator("textarea[name=position]"), "Regionalt räcker e-post.");
    await act("föreslå", page.locator("[data-action=propose]"));
  }
});

await journey("e-kontoret", "ekontoret", async ({ page, act, key, type }) => {
  // 1. Take a position on the new comments, in the list.
  await act("nya synpunkter", page.locator("[data-gate] a[href*='synpunkter?status=ny']").first());
  const rows = await page.locator("tr[data-status=ny]").count();
  await key("första raden (j)", "j");
  for (let i = 0; i < rows; i++) await key("acceptera (a)", "a");
  // 2. Settle the conflict with the adviser's proposal.
  await page.goto(base + "/");
  const conflicts = page.locator("[data-conflicts] a");
  if (await conflicts.count()) {
    await act("olika tolkningar", conflicts);
    await act("anta förslaget", page.locator("[data-action=adopt], [data-action=position]"));
  }
  // 3. What blocks the version: the release page, then the queue.
  await page.goto(base + "/");
  await act("kan släppas?", page.locator("[data-gate] a[href$='/release']").first());
  await act("till kön", page.getByRole("link", { name: "Godkänn eller flagga ändringen" }));
  if (!(await page.locator("[data-queue-form]").count())) await act("första ändringen", page.locator("li[data-item] a"));
  // Each change is looked at and approved with "a": the next one follows.
  for (let i = 0; i < 40 && (await page.locator("[data-queue-form] #q-ok").count()); i++) {
    await Promise.all([page.waitForNavigation(), key("godkänn (a)", "a")]);
  }
  await act("tillbaka till versionen", page.locator(".breadcrumbs a").nth(1));
  await act("kan släppas?", page.getByRole("link", { name: /Kan .* släppas|Släppa versionen|släpp/i }).first());
});

for (const j of results.filter((r) => r.name !== "förberedelse")) {
  console.log(`${j.name}: ${j.clicks} klick, ${j.loads} sidladdningar`);
  console.log(`  ${j.log.join(" → ")}`);
}
await browser.close();

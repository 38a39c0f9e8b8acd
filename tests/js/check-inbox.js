// Use a running inbox as a listener would, in headless Chromium, and report what happened as JSON:
// axe-core on the add page (light and dark, 360 and 1280 px); the web app manifest the page links
// to; the form sent from a phone (360 px) with an article's address; the job page following the
// job until it is done or failed, then axe-core on it, and on the add page listing the job; the
// job page's "Listen" link followed to the episode page, and the site's player played there; the
// manifest's share target used as a phone's share sheet uses it (a POST of the shared title and
// text, the address in the text). Each stage's error, if any, is in "errors", under its name.
// Usage: node check-inbox.js BASE_URL ARTICLE_URL SHARED_URL CHROMIUM [BUILD_TIMEOUT_S]
//   BASE_URL: the private prefix, http://HOST:PORT/p/TOKEN/; SHARED_URL: the article to share.
const fs = require("fs");
const os = require("os");
const path = require("path");
const puppeteer = require("puppeteer-core");

const [base, articleUrl, sharedUrl, chromium, buildTimeout] = process.argv.slice(2);
const BUILD_MS = 1000 * Number(buildTimeout || 240);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const out = { errors: {}, pageErrors: [], badResponses: [], axe: {} };

async function axe(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
                                      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
}

// axe in light, then in dark, on the page as it is.
async function axeSchemes(page, name) {
  for (const scheme of ["light", "dark"]) {
    await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
    out.axe[`${name}-${scheme}`] = await axe(page);
  }
  await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "light" }]);
}

async function open(browser, width, where) {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 800, isMobile: width < 600, hasTouch: width < 600, deviceScaleFactor: 1 });
  page.on("pageerror", (e) => { out.pageErrors.push(String(e)); });
  page.on("response", (r) => { if (r.status() >= 400) out.badResponses.push(`${r.status()} ${r.url()}`); });
  if (where !== undefined) await page.goto(base + where, { waitUntil: "load" });
  return page;
}

// The job page a form's POST led to: its job's status, once it has ended (done or failed).
async function ended(page) {
  if (!(await page.$("#status[data-status]"))) {
    throw new Error(`no job page at ${page.url()}: ${(await page.evaluate(() => document.body.innerText)).slice(0, 300)}`);
  }
  await page.waitForFunction(() => ["done", "failed"].includes(document.querySelector("#status").dataset.status),
                             { timeout: BUILD_MS, polling: 250 });
}

const jobJson = (page) => page.evaluate(async () => (await fetch(location.pathname + ".json", { cache: "no-store" })).json());

// One stage: its error goes under its name, and the next stages still run.
async function stage(name, run) {
  try {
    await run();
  } catch (e) {
    out.errors[name] = String(e && e.stack || e);
  }
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-"));
  const browser = await puppeteer.launch({
    executablePath: chromium, headless: true, userDataDir: profile,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
  });
  try {
    let phone;
    await stage("add", async () => {
      const desktop = await open(browser, 1280, "add");
      await axeSchemes(desktop, "add-1280");
      await desktop.close();
      phone = await open(browser, 360, "add");
      await axeSchemes(phone, "add-360");
      out.form = await phone.evaluate(() => {
        const input = document.querySelector("#url"), form = input.form;
        return { label: input.labels.length ? input.labels[0].textContent.trim() : null, type: input.type,
                 method: form.method, action: form.action,
                 button: [...form.querySelectorAll("button")].map((b) => b.textContent.trim()) };
      });
      // The manifest, where the page says it is (.href: resolved against the page's address).
      out.manifest = await phone.evaluate(async () => {
        const link = document.querySelector('link[rel="manifest"]');
        const r = await fetch(link.href);
        return { href: link.href, status: r.status, type: r.headers.get("content-type"), json: await r.json() };
      });
    });

    await stage("job", async () => {
      // Send the article with the form, as a person would: type its address, press Add.
      const page = phone || await open(browser, 360, "add");
      await page.click("#url");
      await page.type("#url", articleUrl);
      const add = await page.evaluateHandle(() => [...document.querySelector("#url").form.querySelectorAll("button")]
        .find((b) => b.textContent.trim() === "Add"));
      await Promise.all([page.waitForNavigation({ waitUntil: "load" }), add.click()]);
      out.landed = page.url();
      const job = out.job = {};
      job.initial = await page.evaluate(() => document.querySelector("#status") && document.querySelector("#status").dataset.status);
      // Every status the page shows, as its script changes it.
      await page.evaluate(() => {
        const status = document.querySelector("#status");
        if (!status) return;
        window.seenStatuses = [status.dataset.status];
        new MutationObserver(() => {
          if (window.seenStatuses[window.seenStatuses.length - 1] !== status.dataset.status) {
            window.seenStatuses.push(status.dataset.status);
          }
        }).observe(status, { attributes: true, attributeFilter: ["data-status"] });
      });
      const started = Date.now();
      await ended(page);
      job.seconds = (Date.now() - started) / 1000;
      Object.assign(job, await page.evaluate(() => {
        const status = document.querySelector("#status"), listen = document.querySelector("#listen");
        return { status: status.dataset.status, text: status.textContent.trim(), role: status.getAttribute("role"),
                 seen: window.seenStatuses, title: document.querySelector("h1").textContent.trim(),
                 documentTitle: document.title, listenHidden: listen.hidden, listenHref: listen.querySelector("a").href };
      }));
      job.json = await jobJson(page);
      await axeSchemes(page, "job");

      // The add page now lists the job; axe on it with the list.
      const listed = await open(browser, 360, "add");
      out.recent = await listed.evaluate(() => [...document.querySelectorAll(".jobs li")].map((li) => ({
        text: li.textContent.replace(/\s+/g, " ").trim(), links: [...li.querySelectorAll("a")].map((a) => a.href) })));
      await axeSchemes(listed, "add-listed-360");
      await listed.close();

      // The episode, from the job page's link, played with the site's player.
      await stage("episode", async () => {
        if (job.status !== "done") throw new Error(`the job ended ${job.status}: ${job.text}`);
        await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("#listen a")]);
        const episode = out.episode = { url: page.url() };
        await page.waitForSelector(".player-controls .player-play");
        await page.waitForFunction(() => document.querySelector("audio").readyState >= 1, { timeout: 20000 });
        episode.duration = await page.evaluate(() => document.querySelector("audio").duration);
        await page.click(".player-play");
        await page.waitForFunction(() => { const a = document.querySelector("audio"); return !a.paused && a.currentTime > 0.5; },
                                   { timeout: 20000, polling: 50 })
          .catch((e) => { episode.playError = String(e); });
        episode.played = await page.evaluate(() => {
          const a = document.querySelector("audio");
          return { t: a.currentTime, paused: a.paused, src: a.currentSrc, error: a.error && a.error.message,
                   button: document.querySelector(".player-play").textContent };
        });
      });
      await page.close();
    });

    // The share target, as a phone's share sheet uses it: the manifest's action, method, encoding
    // and field names; the shared text holds the address, the url field is empty (as many apps send it).
    await stage("share", async () => {
      if (!out.manifest) throw new Error("no manifest to share with");
      const page = await open(browser, 360, "add");
      await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.evaluate((manifest, shared) => {
        const target = manifest.json.share_target, form = document.createElement("form");
        form.action = new URL(target.action, manifest.href).href;
        form.method = target.method;
        form.enctype = target.enctype;
        for (const [param, value] of [["title", "An article"], ["text", "Worth a listen: " + shared], ["url", ""]]) {
          const field = document.createElement("input");
          field.type = "hidden";
          field.name = target.params[param];
          field.value = value;
          form.appendChild(field);
        }
        document.body.appendChild(form);
        form.submit();
      }, out.manifest, sharedUrl)]);
      out.shared = { landed: page.url() };
      await ended(page);
      out.shared.status = await page.evaluate(() => document.querySelector("#status").dataset.status);
      out.shared.json = await jobJson(page);
      await page.close();
    });

    // The bookmarklet, pressed on the article's own page: the add page opens with its address and
    // sends it by itself, landing on the job's page.
    await stage("bookmarklet", async () => {
      const add = await open(browser, 1280, "add");
      const href = await add.evaluate(() => document.querySelector("a.bookmarklet").getAttribute("href"));
      await add.close();
      const page = await browser.newPage();
      await page.goto(articleUrl, { waitUntil: "load" });
      const code = decodeURIComponent(href.replace(/^javascript:/, ""));
      await Promise.all([page.waitForFunction(() => /\/jobs\/[^/]+$/.test(location.pathname), { timeout: 30000 }),
                         page.evaluate(code)]);
      await page.waitForSelector("#status", { timeout: 30000 });
      out.bookmarklet = { landed: page.url() };
      await ended(page);
      out.bookmarklet.json = await jobJson(page);
      await page.close();
    });
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });

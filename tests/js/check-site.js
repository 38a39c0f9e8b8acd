// Open a show's pages in headless Chromium and report what a listener would meet, as JSON:
// the audio element's duration, a seek through byte ranges, the transcript and captions,
// the page without JavaScript, keyboard order, and axe-core's accessibility violations.
// Usage: node check-site.js BASE_URL EPISODE_PATH CHROMIUM
const fs = require("fs");
const os = require("os");
const path = require("path");
const puppeteer = require("puppeteer-core");

const [base, episodePath, chromium] = process.argv.slice(2);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

async function axe(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
  return result;
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-"));
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    userDataDir: profile,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
  });
  const out = {};
  try {
    const page = await browser.newPage();
    const ranges = [];
    page.on("response", (r) => {
      if (r.url().endsWith(".mp3")) ranges.push({ status: r.status(), range: r.request().headers()["range"] || null });
    });
    await page.goto(base + episodePath, { waitUntil: "load" });
    out.title = await page.title();
    out.lang = await page.evaluate(() => document.documentElement.lang);
    out.duration = await page.evaluate(() => new Promise((resolve, reject) => {
      const a = document.querySelector("audio");
      const done = () => resolve(a.duration);
      if (a.readyState >= 1) done();
      a.addEventListener("loadedmetadata", done);
      a.addEventListener("error", () => reject(new Error("audio error " + (a.error && a.error.code))));
      setTimeout(() => reject(new Error("no metadata after 20 s")), 20000);
    }));
    out.seek = await page.evaluate(() => new Promise((resolve, reject) => {
      const a = document.querySelector("audio");
      const target = a.duration * 0.75;
      a.addEventListener("seeked", () => resolve({ target, at: a.currentTime,
        seekableEnd: a.seekable.length ? a.seekable.end(a.seekable.length - 1) : 0 }), { once: true });
      a.currentTime = target;
      setTimeout(() => reject(new Error("no seeked event after 20 s")), 20000);
    }));
    out.mp3Requests = ranges;
    out.transcript = await page.evaluate(() => {
      const s = document.querySelector(".transcript");
      return { headings: [...s.querySelectorAll("h3")].map((h) => h.textContent.trim()),
               paragraphs: s.querySelectorAll("p").length };
    });
    out.cues = await page.evaluate(() => new Promise((resolve) => {
      const track = document.querySelector("track");
      const count = () => (track.track.cues ? track.track.cues.length : 0);
      if (count()) return resolve(count());
      track.addEventListener("load", () => resolve(count()));
      setTimeout(() => resolve(count()), 5000);
    }));
    out.landmarks = await page.evaluate(() => ({
      main: !!document.querySelector("main"), header: !!document.querySelector("header"),
      nav: !!document.querySelector("nav[aria-label]"), footer: !!document.querySelector("footer"),
      h1: document.querySelectorAll("h1").length,
      audioLabel: document.querySelector("audio").getAttribute("aria-label"),
    }));
    await page.keyboard.press("Tab");
    out.firstFocus = await page.evaluate(() => ({ text: document.activeElement.textContent.trim(),
                                                   href: document.activeElement.getAttribute("href") }));
    out.axeEpisode = await axe(page);
    await page.goto(base + "index.html", { waitUntil: "load" });
    out.indexTitles = await page.evaluate(() => [...document.querySelectorAll(".episodes h3")].map((h) => h.textContent.trim()));
    out.axeIndex = await axe(page);
    const noJs = await browser.newPage();
    await noJs.setJavaScriptEnabled(false);
    await noJs.goto(base + episodePath, { waitUntil: "load" });
    out.noJs = await noJs.evaluate(() => ({ audio: !!document.querySelector("audio[controls][src]"),
                                            paragraphs: document.querySelectorAll(".transcript p").length }));
  } catch (e) {
    out.error = String(e);
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(JSON.stringify(out));
})();

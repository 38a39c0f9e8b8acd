// Drive an episode page's player in headless Chromium and report what a listener would meet, as
// JSON: the highlighted sentence against the audio's time, a click and an Enter on a sentence,
// the skip buttons, the speed control and its shortcut, the remembered position, the shortcuts'
// documentation, the page and the embed page without JavaScript, and axe-core on both pages.
// Usage: node check-player.js BASE_URL EPISODE_PATH EMBED_PATH CHROMIUM
const fs = require("fs");
const os = require("os");
const path = require("path");
const puppeteer = require("puppeteer-core");

const [base, episodePath, embedPath, chromium] = process.argv.slice(2);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

async function axe(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
                                      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
}

// The state the page shows: the audio's time, and the highlighted sentence with its cue.
const state = () => {
  const a = document.querySelector("audio");
  const lit = [...document.querySelectorAll(".cue.current")];
  return { t: a.currentTime, paused: a.paused, rate: a.playbackRate, lit: lit.length,
           start: lit.length ? parseFloat(lit[0].dataset.start) : null,
           end: lit.length ? parseFloat(lit[0].dataset.end) : null };
};

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-"));
  const browser = await puppeteer.launch({
    executablePath: chromium, headless: true, userDataDir: profile,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
  });
  const out = {};
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => { out.pageErrors = (out.pageErrors || []).concat(String(e)); });
    await page.goto(base + episodePath, { waitUntil: "load" });
    await page.waitForSelector(".player-controls");
    await page.waitForFunction(() => document.querySelector("audio").readyState >= 1, { timeout: 20000 });
    out.controls = await page.evaluate(() => [...document.querySelectorAll(".player-controls button, .player-controls select, .player-controls input")]
      .map((n) => ({ tag: n.tagName.toLowerCase(), name: n.getAttribute("aria-label") || (n.labels && n.labels[0] ? n.labels[0].textContent.trim() : n.textContent.trim()) })));
    out.nativeControls = await page.evaluate(() => document.querySelector("audio").controls);
    out.cueCount = await page.evaluate(() => document.querySelectorAll(".transcript .cue[data-start]").length);
    out.help = await page.evaluate(() => { const h = document.querySelector("details.player-help"); return { hidden: h.hidden, text: h.textContent.replace(/\s+/g, " ").trim() }; });

    // Play for a few seconds, then stop where the time is inside a sentence's cue.
    await page.click(".player-play");
    await page.waitForFunction(() => {
      const a = document.querySelector("audio");
      if (a.currentTime < 4) return false;
      return [...document.querySelectorAll(".cue[data-start]")].some((c) => a.currentTime >= parseFloat(c.dataset.start) + 0.05 && a.currentTime < parseFloat(c.dataset.end) - 0.3);
    }, { timeout: 30000, polling: 50 });
    await page.click(".player-play");
    await page.waitForFunction(() => document.querySelector("audio").paused);
    await new Promise((r) => setTimeout(r, 300));  // the pause event, after the paused flag
    out.played = await page.evaluate(state);
    out.playButton = await page.evaluate(() => document.querySelector(".player-play").textContent);

    // Click a later sentence: the time moves into its cue, and it is lit.
    out.clickTarget = await page.evaluate(() => { const c = document.querySelectorAll(".cue[data-start]")[12]; c.scrollIntoView(); return { start: parseFloat(c.dataset.start), end: parseFloat(c.dataset.end) }; });
    await page.evaluate(() => document.querySelectorAll(".cue[data-start]")[12].click());
    await page.waitForFunction((s) => Math.abs(document.querySelector("audio").currentTime - s) < 0.3, {}, out.clickTarget.start);
    await new Promise((r) => setTimeout(r, 300));
    out.clicked = await page.evaluate(state);

    // Enter on another sentence (reached with the keyboard: focus, then Down arrow).
    await page.evaluate(() => document.querySelectorAll(".cue[data-start]")[4].focus());
    await page.keyboard.press("ArrowDown");
    out.focused = await page.evaluate(() => [...document.querySelectorAll(".cue[data-start]")].indexOf(document.activeElement));
    out.focusRing = await page.evaluate(() => { const s = getComputedStyle(document.activeElement);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), tabbable: [...document.querySelectorAll(".cue[tabindex='0']")].length }; });
    out.enterTarget = await page.evaluate(() => { const c = document.activeElement; return { start: parseFloat(c.dataset.start), end: parseFloat(c.dataset.end) }; });
    await page.keyboard.press("Enter");
    await page.waitForFunction((s) => { const a = document.querySelector("audio"); return a.currentTime >= s && !a.paused; }, {}, out.enterTarget.start);
    out.entered = await page.evaluate(state);
    await page.evaluate(() => document.querySelector("audio").pause());

    // Skip buttons.
    const before = await page.evaluate(() => document.querySelector("audio").currentTime);
    await page.click('.player-forward');
    const fwd = await page.evaluate(() => document.querySelector("audio").currentTime);
    await page.click('.player-back');
    const bck = await page.evaluate(() => document.querySelector("audio").currentTime);
    out.skips = { forward: fwd - before, back: fwd - bck };

    // Speed: the control, then the ">" shortcut.
    await page.select(".player-controls select", "1.5");
    out.rateSelected = await page.evaluate(() => document.querySelector("audio").playbackRate);
    await page.evaluate(() => document.activeElement.blur());
    await page.keyboard.type(">");
    out.rateShortcut = await page.evaluate(() => document.querySelector("audio").playbackRate);
    await page.keyboard.type("<");
    await page.keyboard.type("<");
    out.rateSlower = await page.evaluate(() => document.querySelector("audio").playbackRate);

    out.axeEpisode = await axe(page);  // with a sentence lit and the help shown
    await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
    out.axeEpisodeDark = await axe(page);
    await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "light" }]);

    // The position is remembered: reload, and the player resumes there.
    await page.evaluate(() => { const a = document.querySelector("audio"); a.currentTime = 20.5; });
    await page.waitForFunction(() => !document.querySelector("audio").seeking);
    await new Promise((r) => setTimeout(r, 200));
    await page.reload({ waitUntil: "load" });
    await page.waitForFunction(() => document.querySelector("audio").readyState >= 1 && document.querySelector("audio").currentTime > 0, { timeout: 20000 });
    out.resumed = await page.evaluate(() => ({ t: document.querySelector("audio").currentTime, status: document.querySelector(".player-status").textContent }));

    const embed = await browser.newPage();
    await embed.goto(base + embedPath, { waitUntil: "load" });
    await embed.waitForSelector(".player-controls");
    out.embed = await embed.evaluate(() => ({ title: document.querySelector("h1").textContent.trim(),
                                              cover: !!document.querySelector("main .embed-head > img"),
                                              buttons: document.querySelectorAll(".player-controls button").length }));
    out.axeEmbed = await axe(embed);
    await embed.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
    out.axeEmbedDark = await axe(embed);

    const noJs = await browser.newPage();
    await noJs.setJavaScriptEnabled(false);
    await noJs.goto(base + episodePath, { waitUntil: "load" });
    out.noJs = await noJs.evaluate(() => ({ audio: !!document.querySelector("audio[controls][src]"),
                                            paragraphs: document.querySelectorAll(".transcript p:not([hidden])").length,
                                            text: document.querySelector(".transcript").textContent.length,
                                            helpHidden: [...document.querySelectorAll("[data-player-help]")].every((n) => n.hidden) }));
    await noJs.goto(base + embedPath, { waitUntil: "load" });
    out.noJsEmbed = await noJs.evaluate(() => ({ audio: !!document.querySelector("audio[controls][src]") }));
  } catch (e) {
    out.error = String(e && e.stack || e);
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(JSON.stringify(out));
})();

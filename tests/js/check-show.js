// Look at a published show in headless Chromium as a listener on a phone (360 px) and on a desktop
// (1280 px) would, and report as JSON: horizontal scrolling on the home, episode and embed pages;
// the home page's Play button of the second episode; a chapter link; the embed, at its snippet's
// size, inside a 360 px page (with and without the snippet's script); axe-core in light and dark.
// With SHOTS_DIR, it also saves screenshots of the home page, an episode page and the embed.
// Usage: node check-show.js BASE_URL EPISODE_PATH HOST_PATH BARE_HOST_PATH CHROMIUM [SHOTS_DIR]
//   HOST_PATH: a page holding the embed snippet as published; BARE_HOST_PATH: the same without its script.
const fs = require("fs");
const os = require("os");
const path = require("path");
const puppeteer = require("puppeteer-core");

const [base, episodePath, hostPath, bareHostPath, chromium, shots] = process.argv.slice(2);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

async function axe(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
                                      targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
}

// How far the page scrolls sideways (0 when it fits its viewport).
const overflow = () => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth;

// Where each control of the embed's player is, against the frame's visible box.
const controlsInFrame = () => {
  const w = window.innerWidth, h = window.innerHeight;
  return [...document.querySelectorAll(".player-controls button, .player-controls select, .player-controls input, .player-time")]
    .map((n) => { const r = n.getBoundingClientRect();
      return { name: n.getAttribute("aria-label") || n.className || n.tagName, left: r.left, right: r.right, top: r.top,
               bottom: r.bottom, visible: r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= w + 0.5 && r.top >= 0 && r.bottom <= h + 0.5 }; });
};

async function open(browser, width, scheme, where) {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 800, isMobile: width < 600, hasTouch: width < 600, deviceScaleFactor: 1 });
  await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
  page.on("pageerror", (e) => { out.pageErrors.push(String(e)); });
  await page.goto(base + where, { waitUntil: "load" });
  return page;
}

const out = { pageErrors: [], widths: {} };

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-"));
  const browser = await puppeteer.launch({
    executablePath: chromium, headless: true, userDataDir: profile,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
  });
  try {
    for (const width of [360, 1280]) {
      const w = out.widths[width] = { overflow: {}, axe: {} };
      for (const scheme of ["light", "dark"]) {
        for (const [name, where] of [["home", ""], ["episode", episodePath], ["embed", episodePath.replace(/\.html$/, ".embed.html")]]) {
          const page = await open(browser, width, scheme, where);
          await page.waitForFunction(() => document.querySelector("[data-ready]") || !document.querySelector("audio"));
          if (scheme === "light") w.overflow[name] = await page.evaluate(overflow);
          w.axe[`${name}-${scheme}`] = await axe(page);
          if (shots && scheme === "light") await page.screenshot({ path: path.join(shots, `${name}-${width}.png`), fullPage: name !== "embed" });
          await page.close();
        }
      }

      // The home page: the second episode's Play button plays that episode, and only it.
      const home = await open(browser, width, "light", "");
      await home.waitForSelector("[data-mini-player] .mini-play");
      w.playButtons = await home.evaluate(() => [...document.querySelectorAll(".mini-play")].map((b) => ({ text: b.textContent, label: b.getAttribute("aria-label") })));
      await home.evaluate(() => document.querySelectorAll(".mini-play")[1].scrollIntoView());
      const second = (await home.$$(".mini-play"))[1];
      await second.click();
      await home.waitForFunction(() => { const a = document.querySelectorAll("[data-mini-player] audio")[1]; return !a.paused && a.currentTime > 0.3; }, { timeout: 20000 });
      w.homePlaying = await home.evaluate(() => [...document.querySelectorAll("[data-mini-player] audio")].map((a) => ({ src: a.currentSrc, playing: !a.paused, t: a.currentTime })));
      w.homeButtonAfter = await home.evaluate(() => document.querySelectorAll(".mini-play")[1].textContent);
      await home.close();

      // The episode page: a chapter link seeks into its chapter and plays.
      const episode = await open(browser, width, "light", episodePath);
      await episode.waitForSelector(".player-controls");
      w.chapters = await episode.evaluate(() => [...document.querySelectorAll(".chapters a[data-seek]")].map((a) => ({ href: a.getAttribute("href"), start: parseFloat(a.dataset.seek), title: a.textContent })));
      const links = await episode.$$(".chapters a[data-seek]");
      await links[1].click();
      await episode.waitForFunction((s) => { const a = document.querySelector("audio"); return !a.paused && a.currentTime >= s && a.currentTime < s + 3; }, { timeout: 20000 }, w.chapters[1].start);
      w.chapterSeek = await episode.evaluate(() => ({ t: document.querySelector("audio").currentTime, url: location.href }));
      w.seekShare = await episode.evaluate(() => document.querySelector(".player-seek").getBoundingClientRect().width / document.querySelector(".player-controls").getBoundingClientRect().width);
      w.touchTargets = await episode.evaluate(() => [...document.querySelectorAll(".player-controls button, .player-controls select, .chapters a")].map((n) => Math.round(n.getBoundingClientRect().height)));
      w.lists = await episode.evaluate(() => [...document.querySelectorAll(".transcript ul")].map((u) => u.querySelectorAll("li").length));
      await episode.close();
    }

    // The embed at its snippet's size inside a 360 px page: with the snippet's script (it takes its
    // content's height) and without it (the iframe's own height still shows every control).
    for (const [name, where] of [["script", hostPath], ["bare", bareHostPath]]) {
      for (const width of [320, 360]) {
        const host = await open(browser, width, "light", where);
        const frameHandle = await host.waitForSelector("iframe[data-audio-edition-embed]");
        const frame = await frameHandle.contentFrame();
        await frame.waitForSelector(".player-controls");
        // With the script: until the frame has its content's height (it may post more than once, as it lays out).
        if (name === "script") await frame.waitForFunction(() => { const f = window.frameElement; return f && f.style.height !== "" && Math.abs(f.getBoundingClientRect().height - document.body.getBoundingClientRect().height) <= 1; }, { timeout: 10000, polling: 50 });
        out[`embed-${name}-${width}`] = { frame: await host.evaluate(() => { const r = document.querySelector("iframe").getBoundingClientRect(); return { width: r.width, height: r.height, style: document.querySelector("iframe").style.height }; }),
                                          content: await frame.evaluate(() => document.body.getBoundingClientRect().height),
                                          controls: await frame.evaluate(controlsInFrame), overflow: await host.evaluate(overflow) };
        if (shots && name === "script" && width === 360) await host.screenshot({ path: path.join(shots, "embed-in-page-360.png") });
        await host.close();
      }
    }
    if (shots) {
      const host = await open(browser, 1280, "light", hostPath);
      await host.waitForFunction(() => document.querySelector("iframe").style.height !== "", { timeout: 10000 });
      await host.screenshot({ path: path.join(shots, "embed-in-page-1280.png") });
      await host.close();
    }
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });

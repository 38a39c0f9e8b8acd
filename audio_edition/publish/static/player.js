/* audio-edition's listening player: progressive enhancement of an episode's <audio> element.
 *
 * Without this file the page works as it is: the browser's own audio controls and the transcript.
 * With it: play/pause, back 15 s, forward 30 s, a position slider, speeds from 0.75x to 2x,
 * keyboard shortcuts, the transcript following the audio (the sentence being read is highlighted
 * and kept in view unless the listener scrolls away; clicking a sentence, or pressing Enter on it,
 * plays from there), and the position remembered per episode in this browser.
 *
 * Markup it looks for: <div data-player data-episode="ID" data-transcript="#id"> around an <audio>;
 * sentences as <span class="cue" data-start="S" data-end="S"> in the transcript; and, optionally,
 * a [data-player-help] element shown once the shortcuts work. Also: the home page's
 * <div data-mini-player data-title="..."> (a Play button over its audio), chapter links
 * <a data-seek="S">, copy buttons <button data-copy="#field">, and, in an embed
 * (<body data-embed>), its height posted to the page around it. No framework, no build step.
 */
(function () {
  "use strict";

  var SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  var BACK = 15, FORWARD = 30;
  var count = 0;

  function clock(seconds) {
    if (!isFinite(seconds) || seconds < 0) seconds = 0;
    var s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  }

  function spoken(seconds) {
    var s = Math.floor(seconds || 0), m = Math.floor(s / 60), r = s % 60;
    return (m ? m + " min " : "") + r + " s";
  }

  function store(key, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(key);
      window.localStorage.setItem(key, value);
    } catch (e) { /* storage may be off: the player works without memory */ }
    return null;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function init(root) {
    var audio = root.querySelector("audio");
    if (!audio || root.dataset.ready) return;
    root.dataset.ready = "1";
    var key = "audio-edition:position:" + (root.dataset.episode || audio.currentSrc || audio.src);
    var transcript = root.dataset.transcript ? document.querySelector(root.dataset.transcript) : null;
    var cues = transcript ? Array.prototype.slice.call(transcript.querySelectorAll(".cue[data-start]")) : [];
    var starts = cues.map(function (c) { return parseFloat(c.dataset.start); });
    var current = null, following = true, lastSaved = 0;

    // --- controls -------------------------------------------------------------------------
    var bar = el("div", { "class": "player-controls", role: "group", "aria-label": "Player" });
    var play = el("button", { type: "button", "class": "player-play" }, "Play");
    // The visible words are the whole name, so that voice control ("click Back 15 s") finds them.
    var back = el("button", { type: "button", "class": "player-back" }, "Back " + BACK + " s");
    var forward = el("button", { type: "button", "class": "player-forward" }, "Forward " + FORWARD + " s");
    var seek = el("input", { type: "range", min: "0", max: "0", step: "1", value: "0", "class": "player-seek",
                             "aria-label": "Position" });
    var time = el("span", { "class": "player-time", "aria-hidden": "true" }, "0:00 / 0:00");
    var speedId = "player-speed-" + (++count);
    var speedLabel = el("label", { "class": "player-speed", "for": speedId }, "Speed");
    var speed = el("select", { id: speedId });
    SPEEDS.forEach(function (s) {
      var option = el("option", { value: String(s) }, s + "×");
      if (s === 1) option.selected = true;
      speed.appendChild(option);
    });
    var speedBox = el("span", { "class": "player-speed-box" });
    speedBox.appendChild(speedLabel);
    speedBox.appendChild(speed);
    [play, back, forward, seek, time, speedBox].forEach(function (n) { bar.appendChild(n); });
    var status = el("p", { "class": "player-status", role: "status" });
    var follow = el("button", { type: "button", "class": "player-follow", hidden: "" }, "Follow the text again");
    audio.controls = false; // ours replace the browser's; without this script the browser's stay
    audio.after(bar);
    bar.after(status);
    if (transcript) transcript.before(follow);

    function say(text) { status.textContent = text; }

    function resume() { // play() is a promise: a pause before it starts, or a blocked autoplay, rejects it
      var started = audio.play();
      if (started && started.catch) started.catch(function (e) {
        if (e && e.name === "NotAllowedError") say("The browser blocked playing: press Play.");
        else if (e && e.name !== "AbortError") say("The audio cannot be played here: use the download link.");
      });
    }

    function showState() {
      var playing = !audio.paused && !audio.ended;
      play.textContent = playing ? "Pause" : "Play";
      play.setAttribute("aria-pressed", playing ? "true" : "false");
    }

    function showTime() {
      var d = audio.duration;
      if (isFinite(d) && seek.max !== String(Math.floor(d))) seek.max = String(Math.floor(d));
      if (document.activeElement !== seek || !seek.dataset.dragging) seek.value = String(Math.floor(audio.currentTime));
      seek.setAttribute("aria-valuetext", spoken(audio.currentTime) + " of " + spoken(d));
      time.textContent = clock(audio.currentTime) + " / " + clock(d);
    }

    function jump(to) {
      var d = isFinite(audio.duration) ? audio.duration : Infinity;
      audio.currentTime = Math.max(0, Math.min(to, d - 0.05));
      showTime();
    }

    function setSpeed(value) {
      var s = SPEEDS.indexOf(value) >= 0 ? value : 1;
      audio.playbackRate = s;
      audio.defaultPlaybackRate = s;
      speed.value = String(s);
      store("audio-edition:speed", String(s));
    }

    play.addEventListener("click", function () { if (audio.paused || audio.ended) resume(); else audio.pause(); });
    back.addEventListener("click", function () { jump(audio.currentTime - BACK); });
    forward.addEventListener("click", function () { jump(audio.currentTime + FORWARD); });
    seek.addEventListener("input", function () { seek.dataset.dragging = "1"; jump(parseFloat(seek.value)); });
    seek.addEventListener("change", function () { delete seek.dataset.dragging; });
    speed.addEventListener("change", function () { setSpeed(parseFloat(speed.value)); });

    // --- the transcript follows the audio ------------------------------------------------
    function cueAt(t) { // the last sentence begun by t: it stays lit through the pause after it
      var lo = 0, hi = starts.length - 1, found = -1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (starts[mid] <= t + 0.001) { found = mid; lo = mid + 1; } else hi = mid - 1;
      }
      return found >= 0 ? cues[found] : null;
    }

    function inView(node) {
      var r = node.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= (window.innerHeight || document.documentElement.clientHeight);
    }

    function highlight() {
      var cue = cueAt(audio.currentTime);
      if (cue === current) return;
      if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
      current = cue;
      if (!cue) return;
      cue.classList.add("current");
      cue.setAttribute("aria-current", "true"); // a state, read when the listener reaches it: never announced
      if (!transcript.contains(document.activeElement)) setRoving(cue);
      if (following && !audio.paused && !inView(cue)) {
        var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
        autoScrolling = true;
        cue.scrollIntoView({ block: "center", behavior: still ? "auto" : "smooth" });
        setTimeout(function () { autoScrolling = false; }, 800);
      }
    }

    var autoScrolling = false;
    function strayed() { // the listener scrolled: stop pulling the page back until they ask
      if (autoScrolling || !following || audio.paused) return;
      following = false;
      follow.hidden = false;
    }
    ["wheel", "touchmove"].forEach(function (name) { window.addEventListener(name, strayed, { passive: true }); });
    window.addEventListener("keydown", function (e) {
      if (["PageUp", "PageDown", "Home", "End"].indexOf(e.key) >= 0 && e.target === document.body) strayed();
    });
    follow.addEventListener("click", function () {
      following = true;
      follow.hidden = true;
      if (current) current.scrollIntoView({ block: "center" });
    });

    function setRoving(cue) {
      cues.forEach(function (c) { c.tabIndex = c === cue ? 0 : -1; });
    }

    if (cues.length) {
      setRoving(cues[0]);
      transcript.classList.add("following");
      transcript.addEventListener("click", function (e) {
        var cue = e.target.closest(".cue[data-start]");
        if (cue && !window.getSelection().toString()) jump(parseFloat(cue.dataset.start));
      });
      transcript.addEventListener("keydown", function (e) {
        var cue = e.target.closest && e.target.closest(".cue[data-start]");
        if (!cue) return;
        var i = cues.indexOf(cue);
        if (e.key === "Enter") {
          e.preventDefault();
          jump(parseFloat(cue.dataset.start));
          if (audio.paused) resume();
        } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          var next = cues[Math.max(0, Math.min(cues.length - 1, i + (e.key === "ArrowDown" ? 1 : -1)))];
          setRoving(next);
          next.focus();
        }
      });
    }

    // --- keyboard shortcuts (documented on the page) -----------------------------------------
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      var t = e.target, tag = t && t.tagName;
      if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || (t && t.isContentEditable)) return;
      var onControl = tag === "BUTTON" || tag === "A" || tag === "SUMMARY";
      var k = e.key;
      if ((k === " " && !onControl) || k === "k" || k === "K") {
        e.preventDefault();
        if (audio.paused) resume(); else audio.pause();
      } else if (k === "j" || k === "J" || (k === "ArrowLeft" && !onControl)) {
        e.preventDefault(); jump(audio.currentTime - BACK);
      } else if (k === "l" || k === "L" || (k === "ArrowRight" && !onControl)) {
        e.preventDefault(); jump(audio.currentTime + FORWARD);
      } else if (k === ">" || k === "<") {
        e.preventDefault();
        var i = SPEEDS.indexOf(audio.playbackRate);
        setSpeed(SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, (i < 0 ? 1 : i) + (k === ">" ? 1 : -1)))]);
        say("Speed " + audio.playbackRate + "×");
      }
    });

    // --- the position, remembered -----------------------------------------------------------
    function save(force) {
      var now = Date.now();
      if (!force && now - lastSaved < 3000) return;
      lastSaved = now;
      var d = audio.duration, t = audio.currentTime;
      store(key, isFinite(d) && t > d - 5 ? "0" : String(Math.floor(t)));
    }

    audio.addEventListener("loadedmetadata", function () {
      var saved = parseFloat(store(key) || "0");
      if (saved > 5 && saved < audio.duration - 5 && audio.currentTime < 1) {
        audio.currentTime = saved;
        say("Resuming at " + clock(saved) + ".");
      }
      showTime();
    });
    audio.addEventListener("timeupdate", function () { showTime(); highlight(); if (!audio.paused) save(false); });
    audio.addEventListener("seeked", function () { showTime(); highlight(); save(true); });
    ["play", "pause", "ended"].forEach(function (name) {
      audio.addEventListener(name, function () { showState(); highlight(); if (name !== "play") save(true); });
    });
    function frame() { // timeupdate comes 4 times a second: follow each frame while playing
      if (audio.paused || audio.ended) return;
      highlight();
      window.requestAnimationFrame(frame);
    }
    audio.addEventListener("playing", function () { window.requestAnimationFrame(frame); });
    audio.addEventListener("ratechange", function () { speed.value = String(audio.playbackRate); });
    window.addEventListener("pagehide", function () { save(true); });

    setSpeed(parseFloat(store("audio-edition:speed") || "1"));
    showState();
    showTime();
    if (audio.readyState >= 1) audio.dispatchEvent(new Event("loadedmetadata"));
    var help = document.querySelectorAll("[data-player-help]");
    Array.prototype.forEach.call(help, function (n) { n.hidden = false; });
    root.player = { audio: audio, jump: jump, setSpeed: setSpeed, play: resume };
  }

  // --- the home page: a Play button per episode over its <audio controls preload="none"> --------
  function initMini(root) {
    var audio = root.querySelector("audio");
    if (!audio || root.dataset.ready) return;
    root.dataset.ready = "1";
    var title = root.dataset.title || "";
    var button = el("button", { type: "button", "class": "mini-play", "aria-label": "Play " + title }, "Play");
    var time = el("span", { "class": "mini-time" }, "");
    audio.controls = false;
    audio.hidden = true;
    root.appendChild(button);
    root.appendChild(time);
    function show() {
      var playing = !audio.paused && !audio.ended;
      button.textContent = playing ? "Pause" : "Play";
      button.setAttribute("aria-label", (playing ? "Pause " : "Play ") + title);
      time.textContent = audio.currentTime > 0 || playing ? clock(audio.currentTime) + " / " + clock(audio.duration) : "";
    }
    button.addEventListener("click", function () {
      if (audio.paused || audio.ended) {
        var started = audio.play();
        if (started && started.catch) started.catch(function () { audio.controls = true; audio.hidden = false; });
      } else audio.pause();
    });
    ["play", "pause", "ended", "timeupdate", "loadedmetadata"].forEach(function (name) { audio.addEventListener(name, show); });
  }

  // --- one sound at a time: an episode that starts pauses any other on the page ----------------
  document.addEventListener("play", function (e) {
    Array.prototype.forEach.call(document.querySelectorAll("audio"), function (a) { if (a !== e.target) a.pause(); });
  }, true);

  // --- chapter links seek the episode's player (without this script they open the MP3 at #t=) --
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-seek]");
    var root = document.querySelector("[data-player]");
    if (!link || !root || !root.player || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    root.player.jump(parseFloat(link.dataset.seek));
    root.player.play();
  });

  // --- copy buttons: the feed's address to the clipboard ---------------------------------------
  function initCopy(button) {
    var field = document.querySelector(button.dataset.copy);
    var status = document.querySelector(".copy-status");
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      function done(ok) { // cleared first, so that a second copy is announced again
        if (!status) return;
        status.textContent = "";
        setTimeout(function () { status.textContent = ok ? "Copied the feed's address." : "Select the address and copy it."; }, 100);
      }
      field.select();
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(field.value).then(function () { done(true); }, function () { done(false); });
      else done(false);
    });
  }

  // --- an embed tells the page around it how tall it is, so that its iframe fits it ------------
  function tellHeight() {
    if (window.parent === window || !document.body.hasAttribute("data-embed")) return;
    var send = function () {
      // the content's own height (the document's is never less than the frame's)
      window.parent.postMessage({ type: "audio-edition:height", height: document.body.getBoundingClientRect().height }, "*");
    };
    send();
    if (window.ResizeObserver) new ResizeObserver(send).observe(document.body);
    else window.addEventListener("resize", send);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-player]"), init);
    Array.prototype.forEach.call(document.querySelectorAll("[data-mini-player]"), initMini);
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), initCopy);
    tellHeight();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

// Parse a WebVTT file with the W3C validator's parser and print its cues and errors as JSON.
const fs = require("fs");
const { WebVTTParser } = require("webvtt-parser");

const input = fs.readFileSync(process.argv[2], "utf8");
const tree = new WebVTTParser().parse(input, "metadata");
console.log(JSON.stringify({
  errors: tree.errors.map((e) => ({ line: e.line, col: e.col, message: e.message })),
  cues: tree.cues.map((c) => ({ start: c.startTime, end: c.endTime, text: c.text })),
}));

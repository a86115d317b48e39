// Drives ai_assist/static/ai_assist/chat.js in jsdom with a fake server and
// prints what it observed as JSON (tests/test_chat_widget.py asserts on it).
// Usage: node chat_widget_check.js WIDGET_HTML_FILE CHAT_JS_FILE
"use strict";

const fs = require("fs");
const { JSDOM } = require("jsdom");

const [widgetFile, scriptFile] = process.argv.slice(2);
const MARKUP = '<img src=x onerror="alert(1)"><b>bold</b>';

const dom = new JSDOM(
  `<!doctype html><html lang="en"><body>${fs.readFileSync(widgetFile, "utf8")}</body></html>`,
  { url: "http://shop.test/product/7/", pretendToBeVisual: true, runScripts: "outside-only" }
);
const { window } = dom;
const { document } = window;
const calls = [];
const sources = [];

function reply(status, data) {
  return Promise.resolve({ status, ok: status < 400, json: () => Promise.resolve(data) });
}

window.fetch = (url, options) => {
  calls.push({ url, method: options.method, headers: options.headers, body: options.body });
  if (url.endsWith("/chat/conversations/")) { return reply(201, { id: "c1", messages: [] }); }
  if (url.endsWith("/c1/messages/")) {
    return reply(202, {
      message_id: 5,
      status: "queued",
      stream_url: "/api/c1/messages/5/stream/",
      poll_url: "/api/c1/messages/5/",
    });
  }
  if (url.endsWith("/chat/cart/")) { return reply(200, { quantity: 1, cart_count: 1 }); }
  if (url.endsWith("/c1/messages/7/")) {
    return reply(200, { text: "", reply: { text: "late reply", status: "done", cards: [
      { id: "8", title: "Jumbo bag", price: "2.08", currency: "GBP", url: "/product/8/",
        image_url: "", in_stock: true },
    ] } });
  }
  if (url.endsWith("/c1/messages/6/")) {
    return reply(200, { text: "", reply: { text: "polled " + MARKUP, status: "done", cards: [] } });
  }
  return reply(404, { detail: "no" });
};

class FakeEventSource {
  constructor(url) { this.url = url; this.listeners = {}; this.closed = false; sources.push(this); }
  addEventListener(name, fn) { (this.listeners[name] = this.listeners[name] || []).push(fn); }
  close() { this.closed = true; }
  emit(name, data) {
    const event = data === undefined ? { type: name } : { type: name, data: JSON.stringify(data) };
    (this.listeners[name] || []).forEach((fn) => fn(event));
  }
}
window.EventSource = FakeEventSource;
document.cookie = "csrftoken=cookie-token";

window.eval(fs.readFileSync(scriptFile, "utf8"));
document.dispatchEvent(new window.Event("DOMContentLoaded"));

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
const root = document.querySelector("[data-ai-assist-chat]");
const panel = root.querySelector("[data-ai-panel]");
const launcher = root.querySelector("[data-ai-launcher]");
const input = root.querySelector("[data-ai-input]");
const list = root.querySelector("[data-ai-messages]");
const out = {};

(async () => {
  launcher.click();
  out.openedPanel = !panel.hidden;
  out.focusOnInput = document.activeElement === input;
  out.expanded = launcher.getAttribute("aria-expanded");

  input.value = "  " + MARKUP + " ";
  input.dispatchEvent(new window.KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
  await tick(10);
  out.posts = calls.map((c) => [c.method, c.url]);
  out.csrfHeader = calls[1] && calls[1].headers["X-CSRFToken"];
  out.postedBody = calls[1] && JSON.parse(calls[1].body);
  out.storedConversation = window.localStorage.getItem("aiAssistChat:conversation");
  out.streamUrl = sources[0] && sources[0].url;

  const source = sources[0];
  source.emit("start", { reply_id: 9 });
  source.emit("token", { text: "<b>Hel" });
  source.emit("token", { text: "lo</b>" });
  const bubbles = list.querySelectorAll(".ai-chat__text");
  out.streamedText = bubbles[bubbles.length - 1].textContent;
  source.emit("done", {
    reply: {
      text: MARKUP,
      status: "done",
      cards: [{ id: "3", title: "<i>Red</i> bag", price: "4.50", currency: "GBP",
                url: "javascript:alert(1)", image_url: "", in_stock: true }],
      orders: [],
    },
  });
  out.sourceClosed = source.closed;
  out.userText = bubbles[bubbles.length - 2].textContent;
  out.finalText = bubbles[bubbles.length - 1].textContent;
  out.injectedElements = list.querySelectorAll("img, b, i, script").length;
  const card = list.querySelector(".ai-chat__card--product");
  out.cardTitle = card.querySelector(".ai-chat__card-title").textContent;
  out.cardTitleIsLink = card.querySelector("a") !== null;
  out.cardPrice = card.querySelector(".ai-chat__card-price").textContent;
  await tick(80);
  out.announced = root.querySelector("[data-ai-announcer]").textContent;

  card.querySelector("button").click();
  await tick(10);
  const cartCall = calls[calls.length - 1];
  out.cartCall = [cartCall.method, cartCall.url, JSON.parse(cartCall.body)];
  out.cartButton = card.querySelector("button").textContent;

  // A stream the proxy breaks (no data on the error): the widget polls.
  root.aiAssistChat.follow(6, "/api/c1/messages/6/stream/", "/api/c1/messages/6/");
  sources[1].emit("error");
  await tick(20);
  const all = list.querySelectorAll(".ai-chat__text");
  out.polledText = all[all.length - 1].textContent;

  // The stream gave up waiting for a slow reply: the widget polls for it.
  root.aiAssistChat.follow(7, "/api/c1/messages/7/stream/", "/api/c1/messages/7/");
  sources[2].emit("error", { message: "Sorry", code: "timeout" });
  await tick(20);
  const after = list.querySelectorAll(".ai-chat__text");
  out.afterTimeoutText = after[after.length - 1].textContent;

  // Following a product link from the chat folds the panel on the next page.
  document.addEventListener("click", (event) => event.preventDefault());
  out.openBeforeLink = window.sessionStorage.getItem("aiAssistChat:open");
  const links = list.querySelectorAll(".ai-chat__card--product a[href]");
  links[links.length - 1].click();
  out.openAfterLink = window.sessionStorage.getItem("aiAssistChat:open");

  panel.dispatchEvent(new window.KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
  out.closedByEscape = panel.hidden;
  out.focusBackOnLauncher = document.activeElement === launcher;

  process.stdout.write(JSON.stringify(out));
})().catch((error) => {
  process.stdout.write(JSON.stringify({ crashed: String(error && error.stack) }));
});

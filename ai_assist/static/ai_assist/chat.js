/*
 * django-ai-assist: the shopper chat widget. Plain JavaScript, no build step.
 *
 * Finds every element with [data-ai-assist-chat] and wires it to the chat
 * API named in its data attributes. Replies stream over server-sent events
 * and fall back to polling when the stream cannot be opened.
 *
 * Everything the server or the model wrote is put on the page with
 * textContent or as attribute values, never parsed as HTML.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "aiAssistChat:conversation";
  var OPEN_KEY = "aiAssistChat:open";
  var POLL_INTERVAL = 800;
  var POLL_LIMIT = 300; // about four minutes

  function storageGet(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }

  function storageSet(store, key, value) {
    try {
      if (value === null) { window[store].removeItem(key); }
      else { window[store].setItem(key, value); }
    } catch (e) { /* private mode: the chat still works for this page */ }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // Only same-site paths and http(s) links may become hrefs or image sources.
  function safeUrl(value) {
    if (typeof value !== "string" || !value) { return ""; }
    if (value.charAt(0) === "/" && value.charAt(1) !== "/") { return value; }
    try {
      var url = new URL(value, window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : "";
    } catch (e) {
      return "";
    }
  }

  function cookie(name) {
    var match = document.cookie.match("(^|;)\\s*" + name + "=([^;]*)");
    return match ? decodeURIComponent(match[2]) : "";
  }

  function Chat(root) {
    this.root = root;
    this.strings = JSON.parse(
      document.getElementById("ai-assist-chat-strings").textContent
    );
    this.urls = {
      conversations: root.dataset.conversationsUrl,
      cart: root.dataset.cartUrl
    };
    this.language = root.dataset.language || document.documentElement.lang || "";
    this.productId = root.dataset.productId || "";
    this.launcher = root.querySelector("[data-ai-launcher]");
    this.panel = root.querySelector("[data-ai-panel]");
    this.list = root.querySelector("[data-ai-messages]");
    this.form = root.querySelector("[data-ai-form]");
    this.input = root.querySelector("[data-ai-input]");
    this.sendButton = root.querySelector("[data-ai-send]");
    this.announcer = root.querySelector("[data-ai-announcer]");
    this.errorBox = root.querySelector("[data-ai-error]");
    this.lookupForm = root.querySelector("[data-ai-lookup-form]");
    this.conversationId = storageGet("localStorage", STORAGE_KEY);
    this.loaded = false;
    this.bind();
    if (storageGet("sessionStorage", OPEN_KEY) === "1") { this.open(false); }
  }

  Chat.prototype.bind = function () {
    var self = this;
    this.launcher.addEventListener("click", function () {
      if (self.panel.hidden) { self.open(true); } else { self.close(); }
    });
    this.root.querySelector("[data-ai-close]").addEventListener("click", function () {
      self.close();
    });
    var newButton = this.root.querySelector("[data-ai-new]");
    if (newButton) {
      newButton.addEventListener("click", function () { self.reset(); });
    }
    this.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); self.close(); }
    });
    this.panel.addEventListener("click", function (event) {
      // A shopper who follows a product link from the chat went to look at
      // that page: it opens with the panel folded, so the panel does not
      // cover its "Add to cart". The conversation is kept for the launcher.
      var link = event.target.closest ? event.target.closest("a[href]") : null;
      if (link && !link.target) { storageSet("sessionStorage", OPEN_KEY, null); }
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.send();
    });
    this.input.addEventListener("keydown", function (event) {
      // Enter sends; Shift+Enter (or an IME composition) keeps typing.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.send();
      }
    });
    if (this.lookupForm) {
      this.lookupForm.addEventListener("submit", function (event) {
        event.preventDefault();
        self.lookUpOrder();
      });
    }
  };

  // --- Opening and closing ------------------------------------------------

  Chat.prototype.open = function (focus) {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.root.classList.add("ai-chat--open");
    storageSet("sessionStorage", OPEN_KEY, "1");
    if (!this.loaded) { this.loadConversation(); }
    if (focus) { this.input.focus(); }
  };

  Chat.prototype.close = function () {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.root.classList.remove("ai-chat--open");
    storageSet("sessionStorage", OPEN_KEY, null);
    this.launcher.focus();
  };

  Chat.prototype.reset = function () {
    this.conversationId = null;
    storageSet("localStorage", STORAGE_KEY, null);
    while (this.list.children.length > 1) { this.list.removeChild(this.list.lastChild); }
    this.showError("");
    this.input.focus();
  };

  // --- Talking to the API ---------------------------------------------------

  Chat.prototype.request = function (method, url, body) {
    var headers = { "Accept": "application/json" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = cookie("csrftoken") || this.root.dataset.csrfToken;
    }
    return fetch(url, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, ok: response.ok, data: data };
      });
    });
  };

  Chat.prototype.conversationUrl = function (suffix) {
    return this.urls.conversations + this.conversationId + "/" + (suffix || "");
  };

  Chat.prototype.ensureConversation = function () {
    var self = this;
    if (this.conversationId) { return Promise.resolve(this.conversationId); }
    return this.request("POST", this.urls.conversations, {
      language: this.language,
      page_url: window.location.pathname,
      page_product_id: this.productId
    }).then(function (result) {
      if (!result.ok) { throw result; }
      self.conversationId = result.data.id;
      storageSet("localStorage", STORAGE_KEY, self.conversationId);
      return self.conversationId;
    });
  };

  Chat.prototype.loadConversation = function () {
    var self = this;
    this.loaded = true;
    if (!this.conversationId) { return; }
    this.request("GET", this.conversationUrl()).then(function (result) {
      if (result.status === 404) {
        // Another browser session, or the shopper signed in or out.
        self.conversationId = null;
        storageSet("localStorage", STORAGE_KEY, null);
        return;
      }
      if (!result.ok) { return; }
      var replied = {};
      result.data.messages.forEach(function (message) {
        if (message.reply_to) { replied[message.reply_to] = true; }
      });
      result.data.messages.forEach(function (message) {
        var bubble = self.addMessage(message.role, message.text);
        if (message.role === "assistant") { self.addCards(bubble, message); }
        if (message.role === "user" && !replied[message.id]) {
          self.follow(message.id); // still being answered: pick it up again
        }
      });
      self.list.scrollTop = self.list.scrollHeight;
    }).catch(function () { /* offline: the history shows on the next page */ });
  };

  Chat.prototype.send = function () {
    var self = this;
    var text = this.input.value.trim();
    if (!text) { this.input.focus(); return; }
    this.showError("");
    this.sendButton.disabled = true;
    var post = function () {
      return self.ensureConversation().then(function () {
        // No language here: the assistant detects it from the text, and a
        // shopper may well write Chinese on an English page.
        return self.request("POST", self.conversationUrl("messages/"), {
          text: text,
          page_product_id: self.productId
        });
      });
    };
    post().then(function (result) {
      if (result.status === 404) {
        // The stored conversation is not ours any more: start a new one.
        self.conversationId = null;
        storageSet("localStorage", STORAGE_KEY, null);
        return post();
      }
      return result;
    }).then(function (result) {
      if (!result.ok) {
        self.showError(result.data.detail || self.strings.networkError);
        return;
      }
      self.input.value = "";
      self.addMessage("user", text);
      self.follow(result.data.message_id, result.data.stream_url, result.data.poll_url);
    }).catch(function (result) {
      var detail = result && result.data && result.data.detail;
      self.showError(detail || self.strings.networkError);
    }).then(function () {
      self.sendButton.disabled = false;
      self.input.focus();
    });
  };

  // --- Following a reply ------------------------------------------------------

  Chat.prototype.follow = function (messageId, streamUrl, pollUrl) {
    var base = this.conversationUrl("messages/" + messageId + "/");
    var reply = {
      bubble: this.addMessage("assistant", ""),
      pollUrl: pollUrl || base,
      finished: false
    };
    reply.bubble.parentNode.classList.add("ai-chat__message--pending");
    reply.bubble.setAttribute("aria-busy", "true");
    reply.bubble.setAttribute("aria-label", this.strings.thinking);
    if (window.EventSource) {
      this.stream(reply, streamUrl || base + "stream/");
    } else {
      this.poll(reply, 0);
    }
  };

  Chat.prototype.stream = function (reply, url) {
    var self = this;
    var source = new EventSource(url, { withCredentials: true });
    var text = "";
    source.addEventListener("start", function () {
      text = "";
      reply.bubble.textContent = "";
    });
    source.addEventListener("token", function (event) {
      text += JSON.parse(event.data).text || "";
      reply.bubble.textContent = text;
      self.list.scrollTop = self.list.scrollHeight;
    });
    source.addEventListener("cards", function (event) {
      self.addCards(reply.bubble, JSON.parse(event.data));
    });
    source.addEventListener("done", function (event) {
      source.close();
      self.finish(reply, JSON.parse(event.data).reply);
    });
    source.addEventListener("error", function (event) {
      source.close();
      var data = event.data ? JSON.parse(event.data) : null;
      if (data && data.code !== "timeout") {
        // The server's own "error" event: the reply failed.
        self.finish(reply, data.reply || { text: data.message, status: "failed" });
      } else if (!reply.finished) {
        // The stream gave up waiting, or the connection failed (a proxy, a
        // dropped network): poll instead.
        self.poll(reply, 0);
      }
    });
  };

  Chat.prototype.poll = function (reply, attempt) {
    var self = this;
    if (reply.finished) { return; }
    if (attempt > POLL_LIMIT) {
      this.finish(reply, { text: this.strings.networkError, status: "failed" });
      return;
    }
    this.request("GET", reply.pollUrl).then(function (result) {
      if (result.ok && result.data.reply) {
        self.finish(reply, result.data.reply);
        return;
      }
      if (result.ok && result.data.text) { reply.bubble.textContent = result.data.text; }
      window.setTimeout(function () { self.poll(reply, attempt + 1); }, POLL_INTERVAL);
    }).catch(function () {
      window.setTimeout(function () { self.poll(reply, attempt + 1); }, POLL_INTERVAL * 2);
    });
  };

  Chat.prototype.finish = function (reply, message) {
    if (reply.finished) { return; }
    reply.finished = true;
    // The final text comes from the database and replaces what streamed.
    reply.bubble.textContent = message.text || "";
    reply.bubble.parentNode.classList.remove("ai-chat__message--pending");
    reply.bubble.removeAttribute("aria-busy");
    reply.bubble.removeAttribute("aria-label");
    if (message.status === "failed") {
      reply.bubble.parentNode.classList.add("ai-chat__message--failed");
    }
    this.addCards(reply.bubble, message);
    this.announce(this.strings.assistant + ": " + (message.text || ""));
    this.list.scrollTop = this.list.scrollHeight;
  };

  // --- Rendering --------------------------------------------------------------

  Chat.prototype.addMessage = function (role, text) {
    var item = el("li", "ai-chat__message ai-chat__message--" + role);
    var who = el("span", "ai-chat__visually-hidden",
      (role === "user" ? this.strings.you : this.strings.assistant) + ": ");
    var body = el("span", "ai-chat__text", text);
    item.appendChild(who);
    item.appendChild(body);
    this.list.appendChild(item);
    this.list.scrollTop = this.list.scrollHeight;
    return body;
  };

  Chat.prototype.addCards = function (bubble, message) {
    var item = bubble.parentNode;
    var old = item.querySelector(".ai-chat__cards");
    if (old) { item.removeChild(old); }
    // Order cards come in "orders"; "cards" may repeat them with type "order".
    var cards = (message.cards || []).filter(function (c) {
      return c && c.title && c.type !== "order";
    });
    var orders = message.orders || [];
    if (!cards.length && !orders.length) { return; }
    var list = el("ul", "ai-chat__cards");
    cards.forEach(function (card) { list.appendChild(this.productCard(card)); }, this);
    orders.forEach(function (order) { list.appendChild(this.orderCard(order)); }, this);
    item.appendChild(list);
  };

  Chat.prototype.formatPrice = function (price, currency) {
    if (price === null || price === undefined || price === "") { return ""; }
    try {
      return new Intl.NumberFormat(this.language || undefined, {
        style: "currency", currency: currency || "GBP"
      }).format(Number(price));
    } catch (e) {
      return String(price) + " " + (currency || "");
    }
  };

  Chat.prototype.productCard = function (card) {
    var self = this;
    var item = el("li", "ai-chat__card ai-chat__card--product");
    var image = safeUrl(card.image_url || card.image || "");
    if (image) {
      var img = el("img", "ai-chat__card-image");
      img.src = image;
      img.alt = "";
      img.loading = "lazy";
      item.appendChild(img);
    } else {
      var placeholder = el("span", "ai-chat__card-image ai-chat__card-image--none");
      placeholder.setAttribute("aria-hidden", "true");
      placeholder.textContent = (card.title || "?").charAt(0);
      item.appendChild(placeholder);
    }
    var body = el("div", "ai-chat__card-body");
    var href = safeUrl(card.url || "");
    var title = el(href ? "a" : "span", "ai-chat__card-title", card.title);
    if (href) { title.href = href; }
    body.appendChild(title);
    body.appendChild(el("span", "ai-chat__card-price",
      this.formatPrice(card.price, card.currency)));
    var inStock = card.in_stock !== false && card.stock !== 0;
    var button = el("button", "ai-chat__card-add",
      inStock ? this.strings.addToCart : this.strings.outOfStock);
    button.type = "button";
    button.disabled = !inStock || !card.id;
    button.addEventListener("click", function () { self.addToCart(card, button); });
    body.appendChild(button);
    item.appendChild(body);
    return item;
  };

  Chat.prototype.orderCard = function (order) {
    var item = el("li", "ai-chat__card ai-chat__card--order");
    var body = el("div", "ai-chat__card-body");
    body.appendChild(el("span", "ai-chat__card-title",
      this.strings.order + " " + (order.number || "")));
    var facts = el("dl", "ai-chat__order-facts");
    var add = function (label, value) {
      if (value === null || value === undefined || value === "") { return; }
      facts.appendChild(el("dt", "", label));
      facts.appendChild(el("dd", "", value));
    };
    var date = function (value) {
      return value ? new Date(value).toLocaleDateString(this.language || undefined) : "";
    }.bind(this);
    add(this.strings.status, order.status_label || order.status);
    add(this.strings.placed, date(order.created_at));
    add(this.strings.shipped, date(order.shipped_at));
    add(this.strings.delivered, date(order.delivered_at));
    add(this.strings.tracking,
      [order.carrier, order.tracking_code].filter(Boolean).join(" "));
    var count = order.items;
    if (count === undefined && order.lines) {
      count = order.lines.reduce(function (sum, line) { return sum + (line.quantity || 0); }, 0);
    }
    add(this.strings.items, count);
    add(this.strings.total, this.formatPrice(order.total, order.currency));
    body.appendChild(facts);
    item.appendChild(body);
    return item;
  };

  Chat.prototype.addToCart = function (card, button) {
    var self = this;
    button.disabled = true;
    this.request("POST", this.urls.cart, { product_id: String(card.id), quantity: 1 })
      .then(function (result) {
        if (!result.ok) {
          self.showError(result.data.detail || self.strings.networkError);
          button.disabled = false;
          return;
        }
        button.textContent = self.strings.added;
        self.announce(self.strings.added + ": " + card.title);
        document.dispatchEvent(new CustomEvent("ai-assist:cart-changed", {
          detail: result.data
        }));
      })
      .catch(function () {
        self.showError(self.strings.networkError);
        button.disabled = false;
      });
  };

  Chat.prototype.lookUpOrder = function () {
    var self = this;
    var form = this.lookupForm;
    var body = {
      order_number: form.elements.order_number.value.trim(),
      email: form.elements.email.value.trim()
    };
    this.showError("");
    this.ensureConversation().then(function () {
      return self.request("POST", self.conversationUrl("order-lookup/"), body);
    }).then(function (result) {
      if (!result.ok) {
        self.showError(result.data.detail || self.strings.networkError);
        return;
      }
      var bubble = self.addMessage("assistant", self.strings.orderFound);
      self.addCards(bubble, { orders: [result.data.order] });
      self.announce(self.strings.orderFound);
      form.reset();
      form.parentNode.open = false;
      self.input.focus();
    }).catch(function () { self.showError(self.strings.networkError); });
  };

  Chat.prototype.announce = function (text) {
    var announcer = this.announcer;
    // Clearing first makes screen readers read a repeated text again.
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  };

  Chat.prototype.showError = function (text) {
    this.errorBox.textContent = text || "";
    this.errorBox.hidden = !text;
  };

  function start() {
    var roots = document.querySelectorAll("[data-ai-assist-chat]");
    Array.prototype.forEach.call(roots, function (root) {
      if (!root.aiAssistChat) { root.aiAssistChat = new Chat(root); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

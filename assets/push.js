// Web Push on this device: the preferences page's "turn on notifications on this device"
// button. It asks the browser's permission, subscribes through the service worker that
// base.html registers (/sw.js, whose sw-push.js shows the messages) with the server's VAPID
// public key, and posts the subscription; "turn off" unsubscribes on both sides. Every text
// is the page's ([data-text-*], translated); no inline script or style (the strict CSP).

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

function keyBytes(base64url) {
  const padded = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(padded);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok && response.status !== 404) throw new Error(`${url}: ${response.status}`);
  return response;
}

function setup(box) {
  const on = box.querySelector("[data-push-on]");
  const off = box.querySelector("[data-push-off]");
  const status = box.querySelector("[data-push-status]");
  if (!on || !off || !status) return;
  const say = (what) => {
    status.textContent = status.dataset[`text${what[0].toUpperCase()}${what.slice(1)}`] || "";
    status.hidden = false;
  };
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    say("unsupported");
    return;
  }
  const ready = () => navigator.serviceWorker.ready;

  let synced = false;
  async function show() {
    const sub = await (await ready()).pushManager.getSubscription();
    // Once per page: the server keeps this browser's subscription for whoever is logged in
    // now (it may have dropped it, or another user may have subscribed this browser).
    if (sub && !synced && Notification.permission === "granted") {
      synced = true;
      await post(box.dataset.subscribeUrl, sub.toJSON()).catch(() => null);
    }
    on.hidden = Boolean(sub);
    off.hidden = !sub;
    box.dataset.subscribed = sub ? "1" : "0";
    if (Notification.permission === "denied") say("denied");
    else say(sub ? "on" : "off");
  }

  on.addEventListener("click", async () => {
    on.disabled = true;
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        say("denied");
        return;
      }
      const answer = await fetch(box.dataset.keyUrl, { credentials: "same-origin" });
      if (!answer.ok) throw new Error("no key");
      const { publicKey } = await answer.json();
      const registration = await ready();
      let sub = await registration.pushManager.getSubscription();
      const wanted = keyBytes(publicKey);
      const current = sub?.options?.applicationServerKey;
      // A subscription made with another key (the server's key changed) cannot be used.
      if (sub && current && !new Uint8Array(current).every((b, i) => b === wanted[i])) {
        await sub.unsubscribe();
        sub = null;
      }
      sub = sub || (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: wanted }));
      await post(box.dataset.subscribeUrl, sub.toJSON());
      synced = true;
      await show();
    } catch (error) {
      console.warn("push subscribe failed", error);
      say("failed");
    } finally {
      on.disabled = false;
    }
  });

  off.addEventListener("click", async () => {
    off.disabled = true;
    try {
      const sub = await (await ready()).pushManager.getSubscription();
      if (sub) {
        await post(box.dataset.unsubscribeUrl, { endpoint: sub.endpoint });
        await sub.unsubscribe();
      }
      await show();
    } catch (error) {
      console.warn("push unsubscribe failed", error);
      say("failed");
    } finally {
      off.disabled = false;
    }
  });

  // Until a service worker controls the site (the first visit) `ready` waits: show the button.
  on.hidden = false;
  show().catch(() => say("unsupported"));
}

document.querySelectorAll("[data-push-device]").forEach(setup);

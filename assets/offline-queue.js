// Actions made while offline (mark read, disposition, report, paraf given or returned, a
// draft's text): a form marked data-offline-action="<kind>" is posted normally when online;
// offline it is kept on the device (IndexedDB, with the version the page showed and the CSRF
// token) and sent when the network returns: on the `online` event, on every page load, and
// through Background Sync when a service worker is there (sw-queue.js). The server answers
// each once; conflicts are shown with a link to the offline actions page.
import { SYNC_TAG, enqueue, flush, queued } from "./lib/queue-store.js";

// The page's translated texts: data attributes of base.html's status line.
const texts = () => {
  const node = document.querySelector("[data-offline-status]");
  return node ? { ...node.dataset } : {};
};

const pageCsrf = () => {
  const field = document.querySelector("[name=csrfmiddlewaretoken]");
  if (field) return field.value;
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
};

// Who is logged in, as the server tags them (base.html's data-offline-user).
const pageUser = () => texts().offlineUser || "";

const uuid = () =>
  crypto.randomUUID
    ? crypto.randomUUID()
    : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
        (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16),
      );

function status() {
  return document.querySelector("[data-offline-status]");
}

function say(text, { conflict = false, link = conflict } = {}) {
  const box = status();
  if (!box) return;
  const t = texts();
  box.hidden = false;
  box.classList.toggle("warning", conflict);
  box.textContent = text;
  if (link && t.seeUrl) {
    const anchor = document.createElement("a");
    anchor.href = t.seeUrl;
    anchor.textContent = t.see || "";
    anchor.dataset.testid = "offline-see";
    box.append(" ", anchor);
  }
}

async function showPending() {
  const n = (await queued()).length;
  const box = status();
  if (box) box.dataset.pending = String(n);
  if (n) say(`${texts().queued || ""} (${n})`);
}

// What a form would post, as the payload of an action (a repeated field becomes a list; the
// CSRF field, `back` and files are left out: files need the network).
const DRAFT_FIELDS = ["subject", "summary", "body"]; // what a draft's autosave saves
const CONFIDENTIAL = ["rahasia", "sangat_rahasia"];

function payloadOf(form, submitter, kind) {
  const data = new FormData(form, submitter || undefined);
  const out = {};
  for (const [name, value] of data.entries()) {
    if (name === "csrfmiddlewaretoken" || name === "back" || typeof value !== "string") continue;
    if (kind === "draft.save" && !DRAFT_FIELDS.includes(name)) continue;
    if (name in out) out[name] = [].concat(out[name], value);
    else out[name] = value;
  }
  return out;
}

function versionOf(form, element) {
  const field = form.elements.version;
  if (field && field.value && form.dataset.offlineAction === "draft.save") return field.value;
  return element?.dataset.offlineVersion ?? form.dataset.offlineVersion ?? "";
}

async function syncLater() {
  if (!("serviceWorker" in navigator)) return;
  try {
    const registration = await navigator.serviceWorker.getRegistration();
    if (registration?.sync) await registration.sync.register(SYNC_TAG);
  } catch {
    // no Background Sync: the next `online` event or page load sends the queue
  }
}

// Queue what the form would post: one action, or one per ticked row of a bulk "mark read".
export async function queueForm(form, kind, submitter) {
  // A chosen file cannot wait on the device: say so rather than send the rest without it.
  const files = [...new FormData(form).values()].some((v) => typeof v !== "string" && v.size);
  if (files) {
    say(texts().files || "", { conflict: true, link: false });
    return 0;
  }
  // Rahasia and Sangat Rahasia text never waits on the device (the pages of such letters
  // carry no offline marks; a draft's level is read from its form, which may change it).
  if (CONFIDENTIAL.includes(form.elements.security?.value)) {
    say(texts().confidential || "", { conflict: true, link: false });
    return 0;
  }
  const payload = payloadOf(form, submitter, kind);
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]")?.value || pageCsrf();
  const made_at = new Date().toISOString();
  let targets;
  if (form.dataset.offlineTarget) {
    targets = [[form.dataset.offlineTarget, versionOf(form, submitter)]];
  } else {
    // a bulk form: its ticked rows (checkboxes tied to it with form=…), each with its version
    targets = [...form.elements]
      .filter((el) => el.name === "ids" && el.checked)
      .map((el) => [el.value, el.dataset.offlineVersion || ""]);
    delete payload.ids;
  }
  for (const [target, version] of targets) {
    await enqueue({ id: uuid(), kind, target, version, payload, made_at, csrf, user: pageUser() });
  }
  await showPending();
  await syncLater();
  return targets.length;
}

function report(results) {
  if (!results?.length) return;
  const t = texts();
  const conflicts = results.filter((r) => r.status === "conflict");
  const refused = results.filter((r) => r.status === "refused");
  if (conflicts.length) {
    say(`${t.conflict || ""} ${conflicts.map((r) => r.message).join(" ")}`, { conflict: true });
    document.querySelector("[data-offline-conflicts]")?.removeAttribute("hidden");
  } else if (refused.length) {
    say(`${t.refused || ""} ${refused.map((r) => r.message).join(" ")}`, { conflict: true });
  } else {
    say(`${t.sent || ""} (${results.length})`);
  }
  document.dispatchEvent(new CustomEvent("naskah:offline-sent", { detail: results }));
}

let running = null;
export function sendQueued() {
  if (navigator.onLine === false) return Promise.resolve();
  running ??= (async () => {
    try {
      for (let round = 0; round < 20; round++) {
        const outcome = await flush(pageCsrf(), pageUser());
        if (!outcome.results?.length) break;
        report(outcome.results);
      }
    } finally {
      running = null;
    }
  })();
  return running;
}

document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    const kind = event.submitter?.dataset.offlineAction || form.dataset?.offlineAction;
    if (!kind || navigator.onLine !== false || event.defaultPrevented) return;
    event.preventDefault();
    event.stopImmediatePropagation(); // the page's own submit handlers would post it
    queueForm(form, kind, event.submitter).catch(() => say(texts().failed || ""));
  },
  true,
);

window.addEventListener("online", () => sendQueued());
navigator.serviceWorker?.addEventListener("message", (event) => {
  if (event.data?.type === SYNC_TAG) report(event.data.results);
});
window.naskahOffline = { queueForm, sendQueued, queued };
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => showPending().then(sendQueued));
} else {
  showPending().then(sendQueued);
}

// The service worker's part of the offline queue (imported by sw.js): on Background Sync
// ("naskah-actions") it sends what the pages queued in IndexedDB, with the CSRF token stored
// with each item, and tells the open pages the outcomes. A network error makes the sync fail,
// so the browser tries again later; a CSRF refusal keeps the items for the next page to send.
import { SYNC_TAG, flush, ownerTag } from "./lib/queue-store.js";

async function syncActions() {
  // Only the items of the person the device last saw logged in, with their own token: never
  // one person's action under another's login. No owner known yet: nothing is sent.
  const owner = await ownerTag();
  if (!owner) return;
  const outcome = await flush(undefined, owner);
  if (outcome.reason === "network") throw new Error("offline: the browser retries the sync");
  if (outcome.results?.length) {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) client.postMessage({ type: SYNC_TAG, results: outcome.results });
  }
}

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(syncActions());
});

// The service worker's part for Web Push, imported by assets/sw.js: show a pushed
// notification, and open (or focus) its page when it is clicked. The payload is the server's
// (notifications.outbound.push_payload): {title, body, url, tag}; a confidential letter's body
// is already generic there, and nothing of it is kept on the device.

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : "" };
  }
  const url = typeof data.url === "string" && data.url.startsWith("/") && !data.url.startsWith("//") ? data.url : "/notifications/";
  event.waitUntil(
    self.registration.showNotification(data.title || "Naskah", {
      body: data.body || "",
      tag: data.tag || undefined,
      data: { url },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil(
    (async () => {
      const open = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const same = open.find((client) => client.url === target);
      if (same) return same.focus().catch(() => same);
      const any = open.find((client) => new URL(client.url).origin === self.location.origin);
      if (any && "navigate" in any) {
        const moved = await any.navigate(target).catch(() => null);
        if (moved) return moved.focus().catch(() => moved);
      }
      return self.clients.openWindow(target);
    })(),
  );
});

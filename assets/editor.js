// The letter body editor (Tiptap on ProseMirror), bundled into static/vendor/editor.js and
// loaded by the compose page only. Progressive: the body's textarea stays in the form (hidden)
// and carries the editor's HTML, so the form posts as it does without JavaScript. Every label
// is the page's (the toolbar's buttons and the [data-*] texts are in the template, translated);
// nothing here writes inline styles or scripts (the strict CSP).
//
// What the editor makes is exactly what the server keeps (correspondence.services.body_sanitize):
// paragraphs (indented with data-indent 1-4), bold, italic, nested lists and simple tables.
import { Editor, Extension } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import { TableKit } from "@tiptap/extension-table";

const MAX_INDENT = 4;
const AUTOSAVE_MS = 10000;

// A paragraph's indentation: data-indent="1".."4" in the HTML.
const Indent = Extension.create({
  name: "indent",
  addGlobalAttributes() {
    return [
      {
        types: ["paragraph"],
        attributes: {
          indent: {
            default: 0,
            parseHTML: (el) => Math.min(MAX_INDENT, parseInt(el.getAttribute("data-indent"), 10) || 0),
            renderHTML: (attrs) => (attrs.indent ? { "data-indent": String(attrs.indent) } : {}),
          },
        },
      },
    ];
  },
});

// Indent or outdent: inside a list the item moves one level (a nested list), elsewhere the
// paragraph's indentation changes.
function shift(editor, delta) {
  const chain = editor.chain().focus();
  if (editor.isActive("listItem")) {
    return delta > 0 ? chain.sinkListItem("listItem").run() : chain.liftListItem("listItem").run();
  }
  const level = editor.getAttributes("paragraph").indent || 0;
  const next = Math.max(0, Math.min(MAX_INDENT, level + delta));
  return chain.updateAttributes("paragraph", { indent: next }).run();
}

const COMMANDS = {
  bold: (e) => e.chain().focus().toggleBold().run(),
  italic: (e) => e.chain().focus().toggleItalic().run(),
  orderedList: (e) => e.chain().focus().toggleOrderedList().run(),
  bulletList: (e) => e.chain().focus().toggleBulletList().run(),
  indent: (e) => shift(e, 1),
  outdent: (e) => shift(e, -1),
  table: (e) => e.chain().focus().insertTable({ rows: 2, cols: 2, withHeaderRow: true }).run(),
  addRow: (e) => e.chain().focus().addRowAfter().run(),
  addColumn: (e) => e.chain().focus().addColumnAfter().run(),
  deleteTable: (e) => e.chain().focus().deleteTable().run(),
};
// Buttons that show a state (aria-pressed) and those usable only inside a table.
const ACTIVE = { bold: "bold", italic: "italic", orderedList: "orderedList", bulletList: "bulletList" };
const IN_TABLE = new Set(["addRow", "addColumn", "deleteTable"]);

function toolbarSync(editor, toolbar) {
  toolbar.querySelectorAll("[data-cmd]").forEach((button) => {
    const cmd = button.dataset.cmd;
    if (ACTIVE[cmd]) button.setAttribute("aria-pressed", String(editor.isActive(ACTIVE[cmd])));
    if (IN_TABLE.has(cmd)) button.disabled = !editor.isActive("table");
  });
}

function mount(textarea) {
  const form = textarea.form;
  const toolbar = form.querySelector("[data-editor-toolbar]");
  const host = document.createElement("div");
  host.className = "editor";
  host.dataset.testid = "editor";
  textarea.after(host);
  const label = form.querySelector(`label[for="${textarea.id}"]`);
  const editor = new Editor({
    element: host,
    injectCSS: false, // the styles are in static/css/editor.css (no inline <style> under the CSP)
    extensions: [
      StarterKit.configure({
        heading: false,
        blockquote: false,
        code: false,
        codeBlock: false,
        horizontalRule: false,
        strike: false,
        underline: false,
        link: false,
      }),
      TableKit.configure({ table: { resizable: false } }),
      Indent,
    ],
    content: textarea.value,
    editorProps: {
      attributes: {
        class: "editor-content",
        role: "textbox",
        "aria-multiline": "true",
        ...(label ? { "aria-labelledby": label.id || (label.id = `${textarea.id}-label`) } : {}),
      },
    },
    onUpdate: ({ editor: e }) => {
      textarea.value = e.isEmpty ? "" : e.getHTML();
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    },
    onSelectionUpdate: ({ editor: e }) => toolbar && toolbarSync(e, toolbar),
    onTransaction: ({ editor: e }) => toolbar && toolbarSync(e, toolbar),
  });
  textarea.hidden = true;
  if (toolbar) {
    host.before(toolbar);
    toolbar.hidden = false;
    // A pointer on a button leaves the focus (and the selection) in the text: the next key
    // typed goes to the letter, not to the button.
    toolbar.addEventListener("mousedown", (event) => {
      if (event.target.closest("[data-cmd]")) event.preventDefault();
    });
    toolbar.addEventListener("click", (event) => {
      const button = event.target.closest("[data-cmd]");
      if (!button) return;
      event.preventDefault();
      COMMANDS[button.dataset.cmd]?.(editor);
    });
    toolbarSync(editor, toolbar);
  }
  // Clicking the field's label focuses the editor, as it would the textarea.
  label?.addEventListener("click", () => editor.commands.focus());
  return editor;
}

// The template choice: only the chosen type's templates are offered; picking one asks the
// server to fill its placeholders from the form as it is and puts the text in the editor.
function templates(form, editor) {
  const field = form.querySelector("[data-template-field]");
  const select = field?.querySelector("select");
  const typeSelect = form.querySelector("select[data-type-select]");
  if (!select || !typeSelect) return;
  const filter = () => {
    const option = typeSelect.options[typeSelect.selectedIndex];
    const code = (option && option.dataset.code) || "";
    let any = false;
    Array.from(select.options).forEach((opt) => {
      if (!opt.value) return;
      opt.hidden = opt.disabled = opt.dataset.type !== code;
      any = any || !opt.hidden;
    });
    if (select.selectedOptions[0]?.hidden) select.value = "";
    field.hidden = !any;
  };
  typeSelect.addEventListener("change", filter);
  filter();
  select.addEventListener("change", async () => {
    const option = select.selectedOptions[0];
    if (!option || !option.value) return;
    const current = editor.getText().trim();
    if (current && field.dataset.confirm && !window.confirm(field.dataset.confirm)) {
      select.value = "";
      return;
    }
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken" && name !== "body") {
        params.append(name, value);
      }
    }
    const response = await fetch(`${option.dataset.url}?${params}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const data = await response.json();
    editor.commands.setContent(data.body, { emitUpdate: true });
    editor.commands.focus("start");
  });
}

// Autosave of an existing draft: every ~10 s while it changes, and when the page is left,
// the text goes to the server with the version the page started from; the answer gives the
// new version (the form's hidden `version` follows it), or 409 when someone else saved since.
function autosave(form) {
  const url = form.dataset.autosaveUrl;
  const status = form.querySelector("[data-autosave-status]");
  const version = form.querySelector("input[name=version]");
  if (!url || !version) return;
  let dirty = false;
  let stopped = false;
  let inFlight = null;
  let submitting = false;
  const payload = () => {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("version", version.value);
    for (const name of ["subject", "summary", "body"]) {
      const input = form.elements[name];
      if (input) data.append(name, input.value);
    }
    return data;
  };
  const say = (key) => {
    if (!status) return;
    const time = new Date().toLocaleTimeString(document.documentElement.lang || undefined, {
      hour: "2-digit",
      minute: "2-digit",
    });
    status.textContent = `${status.dataset[key] || ""}${key === "saved" ? ` ${time}` : ""}`;
    status.dataset.state = key;
  };
  const save = async () => {
    if (!dirty || stopped || inFlight || submitting) return;
    dirty = false;
    inFlight = fetch(url, { method: "POST", body: payload(), credentials: "same-origin" })
      .then(async (response) => {
        if (response.ok) {
          version.value = (await response.json()).version;
          say("saved");
        } else if (response.status === 409) {
          stopped = true;
          say("conflict");
        } else {
          dirty = true;
          say("failed");
        }
      })
      .catch(() => {
        // No network: the text waits on the device (offline-queue.js) and is sent later.
        const queue = window.naskahOffline;
        if (queue && form.dataset.offlineAction) {
          queue.queueForm(form, form.dataset.offlineAction).then(
            (kept) => {
              if (kept) say("queued");
              else {
                dirty = true;
                say("failed");
              }
            },
            () => {
              dirty = true;
              say("failed");
            },
          );
          return;
        }
        dirty = true;
        say("failed");
      })
      .finally(() => {
        inFlight = null;
      });
    await inFlight;
  };
  form.addEventListener("input", (event) => {
    if (["subject", "summary", "body"].includes(event.target.name)) dirty = true;
  });
  setInterval(save, AUTOSAVE_MS);
  // Leaving the page: what was typed since the last save goes with a beacon (not when the
  // form itself is being submitted: it saves everything, from the same version).
  const leave = () => {
    if (!dirty || stopped || submitting) return;
    dirty = false;
    navigator.sendBeacon(url, payload());
  };
  window.addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") leave();
  });
  // The form waits for an autosave under way, so it posts the version that autosave made.
  form.addEventListener("submit", (event) => {
    if (submitting) return;
    submitting = true;
    if (inFlight) {
      event.preventDefault();
      inFlight.finally(() => form.requestSubmit(event.submitter || undefined));
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("textarea[data-editor]").forEach((textarea) => {
    const editor = mount(textarea);
    window.naskahEditor = editor; // for the browser tests and the console
    templates(textarea.form, editor);
    autosave(textarea.form);
  });
});

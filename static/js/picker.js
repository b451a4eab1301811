// The compose form's recipient picker: Tom Select (static/vendor/tom-select.min.js) on every
// select[data-picker], searching the server as the user types (correspondence/picker.py,
// grouped OPD › bidang), keyboard-usable. Progressive: the select underneath still posts the
// same ids and the form still validates them; without JavaScript it is a plain select.
// Texts come from the select's data-picker-* attributes, already in the page's language.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.TomSelect) return;
  const typeSelect = document.querySelector("select[data-type-select]");
  document.querySelectorAll("select[data-picker]").forEach((select) => picker(select, typeSelect));
});

function escapeText(text) {
  const div = document.createElement("div");
  div.textContent = text == null ? "" : String(text);
  return div.innerHTML;
}

function picker(select, typeSelect) {
  const ds = select.dataset;
  const role = ds.picker;
  // The server searches: only the chosen options stay in the page's list (a city has
  // hundreds of posts); the rest arrive as the user types.
  Array.from(select.options).forEach((option) => {
    if (!option.selected && option.value) option.remove();
  });
  // Tom Select points the field's <label> at its own input: the <select> it keeps (hidden, and
  // still what the form posts) keeps its name for assistive technology through aria-label.
  const label = select.id && document.querySelector(`label[for="${select.id}"]`);
  if (label && !select.hasAttribute("aria-label")) {
    select.setAttribute("aria-label", label.textContent.trim());
  }
  const ts = new window.TomSelect(select, {
    valueField: "value",
    labelField: "text",
    searchField: [],
    optgroupField: "group",
    optgroupValueField: "value",
    optgroupLabelField: "label",
    lockOptgroupOrder: true,
    closeAfterSelect: true, // one pick, then the form is in view again; typing reopens
    maxOptions: null,
    loadThrottle: 200,
    preload: "focus",
    shouldLoad: () => true,
    score: () => () => 1, // the server's answer is the match: keep its order
    placeholder: ds.pickerPlaceholder,
    plugins: select.multiple ? ["remove_button"] : [],
    load(query, callback) {
      const params = new URLSearchParams({ role, q: query });
      if (role === "signer" && typeSelect && typeSelect.value) params.set("type", typeSelect.value);
      fetch(`${ds.pickerUrl}?${params}`, { headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : { results: [], optgroups: [] }))
        .then((answer) => {
          this.clearOptions();
          this.clearOptionGroups();
          answer.optgroups.forEach((group) => this.addOptionGroup(group.value, group));
          callback(answer.results);
        })
        .catch(() => callback());
    },
    render: {
      option(data, escape) {
        const extra = data.holder
          ? ` <small class="picker-holder">${escape(data.holder)}</small>`
          : "";
        return `<div data-picker-option="${escape(data.value)}">${escape(data.text)}${extra}</div>`;
      },
      item(data, escape) {
        return `<div>${escape(data.text)}</div>`;
      },
      optgroup_header(data, escape) {
        return `<div class="optgroup-header">${escape(data.label)}</div>`;
      },
      no_results(data) {
        // Nothing typed and nothing left to offer (all picked): no message in the way.
        if (!data.input) return null;
        return `<div class="no-results">${escapeText(ds.pickerNoResults)}</div>`;
      },
      loading() {
        return `<div class="loading">${escapeText(ds.pickerLoading)}</div>`;
      },
    },
    // A saved group ("g:<id>") is not a recipient: picking it adds its members instead,
    // asked of the server only now (a keystroke's answer carries no group's members).
    onItemAdd(value) {
      if (!String(value).startsWith("g:")) return;
      this.removeItem(value, true);
      this.setTextboxValue("");
      const params = new URLSearchParams({ role, group: String(value).slice(2) });
      fetch(`${ds.pickerUrl}?${params}`, { headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : { results: [], optgroups: [] }))
        .then((answer) => {
          answer.optgroups.forEach((group) => this.addOptionGroup(group.value, group));
          answer.results.forEach((member) => {
            if (!this.options[member.value]) this.addOption(member);
            this.addItem(member.value, true);
          });
          select.dispatchEvent(new Event("change", { bubbles: true }));
          this.refreshOptions(false);
        });
    },
  });
  if (role === "signer" && typeSelect) {
    // Who may sign depends on the type: a new type asks the server again.
    typeSelect.addEventListener("change", () => {
      ts.clearOptions();
      ts.wrapper.classList.remove("preloaded");
    });
  }
  if (ds.pickerSaveUrl) saveControl(select, ts);
}

// "Save these as a group": the chosen recipients become a personal group, offered from then
// on in every picker of units or posts.
function saveControl(select, ts) {
  const ds = select.dataset;
  const box = document.createElement("div");
  box.className = "picker-save";
  const open = document.createElement("button");
  open.type = "button";
  open.className = "link";
  open.dataset.pickerSaveOpen = select.name;
  open.textContent = ds.pickerSave;
  const name = document.createElement("input");
  name.type = "text";
  name.maxLength = 120;
  name.hidden = true;
  name.dataset.pickerSaveName = select.name;
  name.setAttribute("aria-label", ds.pickerSaveName);
  name.placeholder = ds.pickerSaveName;
  const confirm = document.createElement("button");
  confirm.type = "button";
  confirm.hidden = true;
  confirm.dataset.pickerSaveConfirm = select.name;
  confirm.textContent = ds.pickerSaveConfirm;
  const status = document.createElement("span");
  status.setAttribute("role", "status");
  status.dataset.pickerSaveStatus = select.name;
  box.append(open, name, confirm);
  // A tenant administrator may keep the group for everyone of the tenant.
  let tenantWide = null;
  if (ds.pickerSaveTenant) {
    const label = document.createElement("label");
    tenantWide = document.createElement("input");
    tenantWide.type = "checkbox";
    tenantWide.dataset.pickerSaveTenant = select.name;
    label.hidden = true;
    label.append(tenantWide, ` ${ds.pickerSaveTenant}`);
    box.append(label);
  }
  box.append(status);
  ts.wrapper.after(box);
  const shown = (on) => {
    name.hidden = !on;
    confirm.hidden = !on;
    if (tenantWide) tenantWide.parentElement.hidden = !on;
    open.hidden = on;
  };
  open.addEventListener("click", () => {
    shown(true);
    name.focus();
  });
  const save = () => {
    const form = select.form;
    const body = new FormData();
    body.set("name", name.value);
    if (tenantWide && tenantWide.checked) body.set("tenant_wide", "1");
    const key = select.dataset.picker === "unit" ? "units" : "positions";
    ts.items.forEach((value) => body.append(key, value));
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(ds.pickerSaveUrl, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" },
    })
      .then((response) => response.json().then((answer) => ({ ok: response.ok, answer })))
      .then(({ ok, answer }) => {
        status.textContent = ok ? ds.pickerSaved : answer.error || "";
        if (ok) {
          shown(false);
          name.value = "";
          // Every picker asks again, so the new group is offered at once.
          document.querySelectorAll("select[data-picker]").forEach((other) => {
            if (other.tomselect) {
              other.tomselect.clearOptions();
              other.tomselect.wrapper.classList.remove("preloaded");
            }
          });
        }
      })
      .catch(() => {
        status.textContent = "";
      });
  };
  confirm.addEventListener("click", save);
  name.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // not the draft's form
      save();
    }
  });
}

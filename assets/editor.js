// The letter body editor (Tiptap on ProseMirror), bundled into static/vendor/editor.js.
// Placeholder entry: the compose page mounts it on the body field (see static/js/naskah.js).
import { Editor } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";

window.NaskahEditor = { Editor, StarterKit };

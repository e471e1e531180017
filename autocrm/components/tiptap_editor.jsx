// AutoCRM's rich-text editor (Tiptap), wrapped for Reflex by autocrm/components/editor.py.
//
// The HTML is kept in a hidden <input name=...> inside the form at every change, so the form's submit carries
// it; `onTextChange` hears the plain text, debounced. Pages reach an editor by its element id through
// window.autocrmEditor (a macro or an AI draft fills it, the spell-check reads it). A form reset empties it.
// Pasted or dropped images are POSTed to `imageUrl` (the answer gives the stored file's URL); mentions offer
// `mentions` ([{id, name}]) after "@" while `mentionsOn`, in a plain-DOM list.
import React, { useEffect, useRef, useState } from "react";
import { useEditor, EditorContent } from "@tiptap/react";
import StarterKit from "@tiptap/starter-kit";
import Image from "@tiptap/extension-image";
import Mention from "@tiptap/extension-mention";
import { Placeholder } from "@tiptap/extensions";
import { getTextSerializersFromSchema } from "@tiptap/core";

const registry = {};
if (typeof window !== "undefined") {
  window.autocrmEditor = {
    get: (id) => registry[id] || null,
    setHTML: (id, html) => {
      const editor = registry[id];
      if (!editor) return false;
      editor.commands.setContent(html || "", { emitUpdate: true });
      editor.commands.focus("end");
      return true;
    },
    appendHTML: (id, html) => {
      const editor = registry[id];
      if (!editor) return false;
      editor.chain().focus("end").insertContent(html).run();
      return true;
    },
    text: (id) => {
      const editor = registry[id];
      return editor ? editor.getText({ blockSeparator: "\n\n" }) : "";
    },
    html: (id) => {
      const editor = registry[id];
      return editor && !editor.isEmpty ? editor.getHTML() : "";
    },
    draft: (id) => {
      const editor = registry[id];
      if (!editor) return { text: "", html: "" };
      return { text: editor.getText({ blockSeparator: "\n\n" }), html: editor.isEmpty ? "" : editor.getHTML() };
    },
    // Replaces `word` at [start, end) of the text `text(id)` gives, if it is still there, keeping its formatting;
    // returns the text after. The walk mirrors Tiptap's getText, so the offsets mean the same.
    replaceText: (id, start, end, word, replacement) => {
      const editor = registry[id];
      if (!editor) return "";
      const doc = editor.state.doc;
      const range = { from: 0, to: doc.content.size };
      const serializers = getTextSerializersFromSchema(editor.schema);
      let text = "";
      let found = null;
      doc.nodesBetween(range.from, range.to, (node, pos, parent, index) => {
        if (found) return false;
        if (node.isBlock && pos > range.from) text += "\n\n";
        const serializer = serializers[node.type.name];
        if (serializer) {
          if (parent) text += serializer({ node, pos, parent, index, range });
          return false;
        }
        if (node.isText) {
          const begin = text.length;
          const own = node.text || "";
          if (start >= begin && end <= begin + own.length && own.slice(start - begin, end - begin) === word) {
            found = { from: pos + start - begin, to: pos + end - begin };
          }
          text += own;
        }
        return true;
      });
      if (found) editor.view.dispatch(editor.state.tr.insertText(replacement, found.from, found.to));
      return editor.getText({ blockSeparator: "\n\n" });
    },
  };
}

function mentionPopup(labels) {
  // The suggestion list: plain DOM under the caret, arrow keys and Enter to pick.
  let box = null;
  let items = [];
  let index = 0;
  let command = null;
  const draw = () => {
    if (!box) return;
    box.replaceChildren();
    if (!items.length) {
      const empty = document.createElement("div");
      empty.className = "mention-empty";
      empty.textContent = labels.noMatch || "";
      box.appendChild(empty);
      return;
    }
    items.forEach((item, i) => {
      const option = document.createElement("button");
      option.type = "button";
      option.className = "mention-option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", i === index ? "true" : "false");
      option.dataset.id = String(item.id);
      option.textContent = item.name;
      option.addEventListener("mousedown", (e) => {
        e.preventDefault();
        command({ id: String(item.id), label: item.name });
      });
      box.appendChild(option);
    });
  };
  const place = (rect) => {
    if (!box || !rect) return;
    const r = rect();
    if (!r) return;
    box.style.left = `${Math.max(8, Math.min(r.left, window.innerWidth - 248))}px`;
    box.style.top = `${r.bottom + 6}px`;
  };
  return {
    onStart: (props) => {
      box = document.createElement("div");
      box.className = "mention-popup";
      box.setAttribute("role", "listbox");
      box.setAttribute("aria-label", labels.mentionList || "");
      // Inside the app's theme root: the app's styles are scoped to it.
      (props.editor.view.dom.closest(".radix-themes") || document.body).appendChild(box);
      items = props.items;
      index = 0;
      command = props.command;
      draw();
      place(props.clientRect);
    },
    onUpdate: (props) => {
      items = props.items;
      index = 0;
      command = props.command;
      draw();
      place(props.clientRect);
    },
    onKeyDown: ({ event }) => {
      if (!items.length) return false;
      if (event.key === "ArrowDown") {
        index = (index + 1) % items.length;
        draw();
        return true;
      }
      if (event.key === "ArrowUp") {
        index = (index + items.length - 1) % items.length;
        draw();
        return true;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        const item = items[index];
        command({ id: String(item.id), label: item.name });
        return true;
      }
      return false;
    },
    onExit: () => {
      if (box) box.remove();
      box = null;
    },
  };
}

function ToolButton({ label, icon, active, onClick, disabled }) {
  return (
    <button
      type="button"
      className={`editor-tool${active ? " is-active" : ""}`}
      aria-label={label}
      title={label}
      aria-pressed={active ? "true" : "false"}
      disabled={disabled}
      onMouseDown={(e) => e.preventDefault()}
      onClick={onClick}
    >
      {icon}
    </button>
  );
}

const svg = (d) => (
  <svg width="15" height="15" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2.2"
    strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">{d}</svg>
);
const ICONS = {
  bold: svg(<path d="M6 4h8a4 4 0 0 1 0 8H6zM6 12h9a4 4 0 0 1 0 8H6z" />),
  italic: svg(<><line x1="19" y1="4" x2="10" y2="4" /><line x1="14" y1="20" x2="5" y2="20" /><line x1="15" y1="4" x2="9" y2="20" /></>),
  bullets: svg(<><line x1="9" y1="6" x2="20" y2="6" /><line x1="9" y1="12" x2="20" y2="12" /><line x1="9" y1="18" x2="20" y2="18" /><circle cx="4.5" cy="6" r="1" /><circle cx="4.5" cy="12" r="1" /><circle cx="4.5" cy="18" r="1" /></>),
  numbers: svg(<><line x1="10" y1="6" x2="21" y2="6" /><line x1="10" y1="12" x2="21" y2="12" /><line x1="10" y1="18" x2="21" y2="18" /><path d="M4 6h1v4M4 10h2M6 18H4c0-1 2-2 2-3s-1-1.5-2-1" /></>),
  link: svg(<><path d="M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7" /><path d="M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7" /></>),
  image: svg(<><rect x="3" y="3" width="18" height="18" rx="2" /><circle cx="9" cy="9" r="2" /><path d="m21 15-3.1-3.1a2 2 0 0 0-2.8 0L6 21" /></>),
  code: svg(<><polyline points="16 18 22 12 16 6" /><polyline points="8 6 2 12 8 18" /></>),
  heading: svg(<><path d="M6 4v16M18 4v16M6 12h12" /></>),
  quote: svg(<><path d="M3 21c3 0 7-1 7-8V5c0-1.25-.76-2-2-2H4c-1.25 0-2 .75-2 1.97V11c0 1.25.75 2 2 2 1 0 1 0 1 1v1c0 1-1 2-2 2s-1 .01-1 1.03V20c0 1 0 1 1 1z" /><path d="M15 21c3 0 7-1 7-8V5c0-1.25-.76-2-2-2h-4c-1.25 0-2 .75-2 1.97V11c0 1.25.75 2 2 2h.75c0 2.25.25 4-2.75 4v3c0 1 0 1 1 1z" /></>),
};

export function RichEditor({
  elementId,
  name = "body",
  placeholder = "",
  ariaLabel = "",
  lang = "",
  invalid = false,
  background = "",
  mentions = [],
  mentionsOn = false,
  imageUrl = "",
  labels = {},
  minHeight = "120px",
  initialHtml = "",
  headings = false,
  onTextChange,
}) {
  const hidden = useRef(null);
  const fileInput = useRef(null);
  const mentionList = useRef(mentions);
  const mentionsAllowed = useRef(mentionsOn);
  const uploadTo = useRef(imageUrl);
  const textChange = useRef(onTextChange);
  const timer = useRef(null);
  const [linkOpen, setLinkOpen] = useState(false);
  const [linkValue, setLinkValue] = useState("");
  const [problem, setProblem] = useState("");
  const [busy, setBusy] = useState(0);
  const [, redraw] = useState(0);
  mentionList.current = mentions || [];
  mentionsAllowed.current = !!mentionsOn;
  uploadTo.current = imageUrl || "";
  textChange.current = onTextChange;

  const upload = async (editor, files, at) => {
    for (const file of files) {
      if (!file.type.startsWith("image/")) continue;
      if (!uploadTo.current) {
        setProblem(labels.noImages || "");
        continue;
      }
      setBusy((n) => n + 1);
      try {
        const body = new FormData();
        body.append("file", file, file.name || "pasted-image.png");
        const answer = await fetch(uploadTo.current, { method: "POST", body, credentials: "same-origin" });
        const reply = await answer.json().catch(() => ({}));
        if (!answer.ok) {
          setProblem((reply && reply.error && reply.error.message) || labels.uploadFailed || "");
          continue;
        }
        setProblem("");
        const chain = editor.chain().focus();
        (at == null ? chain : chain.setTextSelection(at)).setImage({ src: reply.src, alt: reply.filename || "" }).run();
      } catch (e) {
        setProblem(labels.uploadFailed || "");
      } finally {
        setBusy((n) => n - 1);
      }
    }
  };

  const editor = useEditor({
    immediatelyRender: false,
    content: initialHtml || "",
    extensions: [
      StarterKit.configure({
        heading: headings ? { levels: [2] } : false,
        horizontalRule: false,
        link: { openOnClick: false, autolink: true, defaultProtocol: "https", protocols: ["http", "https", "mailto"] },
      }),
      Image.configure({ inline: false, allowBase64: false }),
      Mention.configure({
        HTMLAttributes: { class: "mention" },
        renderText: ({ node }) => `@${node.attrs.label}`,
        suggestion: {
          char: "@",
          items: ({ query }) => {
            if (!mentionsAllowed.current) return [];
            const q = query.toLowerCase();
            return mentionList.current.filter((m) => m.name.toLowerCase().includes(q)).slice(0, 8);
          },
          allow: () => mentionsAllowed.current,
          render: () => mentionPopup(labels),
        },
      }),
      Placeholder.configure({ placeholder: () => placeholderRef.current }),
    ],
    editorProps: {
      attributes: {
        id: elementId,
        class: "rich-editor-body",
        role: "textbox",
        "aria-multiline": "true",
        spellcheck: "true",
      },
      handlePaste: (view, event) => {
        const files = Array.from((event.clipboardData && event.clipboardData.files) || []);
        if (!files.some((f) => f.type.startsWith("image/"))) return false;
        event.preventDefault();
        upload(editorRef.current, files, null);
        return true;
      },
      handleDrop: (view, event, slice, moved) => {
        if (moved) return false;
        const files = Array.from((event.dataTransfer && event.dataTransfer.files) || []);
        if (!files.some((f) => f.type.startsWith("image/"))) return false;
        event.preventDefault();
        const spot = view.posAtCoords({ left: event.clientX, top: event.clientY });
        upload(editorRef.current, files, spot ? spot.pos : null);
        return true;
      },
    },
    onUpdate: ({ editor }) => {
      if (hidden.current) hidden.current.value = editor.isEmpty ? "" : editor.getHTML();
      clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        if (textChange.current) textChange.current(editor.getText({ blockSeparator: "\n\n" }));
      }, 400);
    },
    onSelectionUpdate: () => redraw((n) => n + 1),
    onTransaction: () => redraw((n) => n + 1),
  });
  const editorRef = useRef(null);
  editorRef.current = editor;
  const placeholderRef = useRef(placeholder);
  placeholderRef.current = placeholder;

  useEffect(() => {
    if (!editor) return undefined;
    registry[elementId] = editor;
    if (hidden.current) hidden.current.value = editor.isEmpty ? "" : editor.getHTML(); // what it opened with
    const form = editor.view.dom.closest("form");
    const reset = () => {
      editor.commands.clearContent(true);
      if (hidden.current) hidden.current.value = "";
    };
    if (form) form.addEventListener("reset", reset);
    return () => {
      if (registry[elementId] === editor) delete registry[elementId];
      if (form) form.removeEventListener("reset", reset);
      clearTimeout(timer.current);
    };
  }, [editor, elementId]);

  // Attributes that follow the page: the spell-check language, the label, the error state, the placeholder.
  useEffect(() => {
    if (!editor) return;
    const dom = editor.view.dom;
    if (lang) dom.setAttribute("lang", lang);
    else dom.removeAttribute("lang");
    dom.setAttribute("aria-label", ariaLabel || "");
    dom.setAttribute("aria-invalid", invalid ? "true" : "false");
    editor.view.dispatch(editor.state.tr.setMeta("placeholder", placeholder));
  }, [editor, lang, ariaLabel, invalid, placeholder]);

  const on = (mark, attrs) => (editor ? editor.isActive(mark, attrs) : false);
  const run = (fn) => () => editor && fn(editor.chain().focus()).run();
  const openLink = () => {
    if (!editor) return;
    setLinkValue(editor.getAttributes("link").href || "");
    setLinkOpen(true);
  };
  const applyLink = () => {
    if (!editor) return;
    const href = linkValue.trim();
    const chain = editor.chain().focus().extendMarkRange("link");
    if (!href) chain.unsetLink().run();
    else {
      const full = /^(https?:|mailto:)/i.test(href) ? href : `https://${href}`;
      if (editor.state.selection.empty && !editor.isActive("link")) {
        chain.insertContent({ type: "text", text: href, marks: [{ type: "link", attrs: { href: full } }] }).run();
      } else chain.setLink({ href: full }).run();
    }
    setLinkOpen(false);
  };

  return (
    <div className={`rich-editor${invalid ? " is-invalid" : ""}`} style={background ? { "--editor-bg": background } : undefined}>
      <div className="editor-toolbar" role="toolbar" aria-label={labels.toolbar || ""} aria-controls={elementId}>
        {headings ? (
          <ToolButton label={labels.heading} icon={ICONS.heading} active={on("heading", { level: 2 })} onClick={run((c) => c.toggleHeading({ level: 2 }))} />
        ) : null}
        <ToolButton label={labels.bold} icon={ICONS.bold} active={on("bold")} onClick={run((c) => c.toggleBold())} />
        <ToolButton label={labels.italic} icon={ICONS.italic} active={on("italic")} onClick={run((c) => c.toggleItalic())} />
        <span className="editor-tool-gap" />
        <ToolButton label={labels.bullets} icon={ICONS.bullets} active={on("bulletList")} onClick={run((c) => c.toggleBulletList())} />
        <ToolButton label={labels.numbers} icon={ICONS.numbers} active={on("orderedList")} onClick={run((c) => c.toggleOrderedList())} />
        <span className="editor-tool-gap" />
        <ToolButton label={labels.link} icon={ICONS.link} active={on("link") || linkOpen} onClick={openLink} />
        {imageUrl ? (
          <ToolButton label={labels.image} icon={ICONS.image} active={false} onClick={() => fileInput.current && fileInput.current.click()} />
        ) : null}
        <ToolButton label={labels.code} icon={ICONS.code} active={on("code") || on("codeBlock")} onClick={run((c) => c.toggleCode())} />
        <ToolButton label={labels.quote} icon={ICONS.quote} active={on("blockquote")} onClick={run((c) => c.toggleBlockquote())} />
        {busy > 0 ? <span className="editor-busy" role="status">{labels.uploading}</span> : null}
      </div>
      {linkOpen ? (
        <div className="editor-link-row">
          <input
            type="url"
            className="editor-link-input"
            aria-label={labels.linkAddress}
            placeholder="https://"
            value={linkValue}
            autoFocus
            onChange={(e) => setLinkValue(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                applyLink();
              } else if (e.key === "Escape") {
                e.preventDefault();
                setLinkOpen(false);
                editor && editor.commands.focus();
              }
            }}
          />
          <button type="button" className="editor-link-apply" onClick={applyLink}>{labels.linkApply}</button>
          <button type="button" className="editor-link-cancel" onClick={() => setLinkOpen(false)}>{labels.cancel}</button>
        </div>
      ) : null}
      <EditorContent editor={editor} className="rich-editor-content" style={{ minHeight }} />
      {editor ? null : <div className="rich-editor-body rich-editor-loading" style={{ minHeight }} aria-hidden="true" />}
      <input type="hidden" name={name} ref={hidden} />
      <input
        type="file"
        accept="image/png,image/jpeg,image/gif,image/webp"
        multiple
        hidden
        ref={fileInput}
        onChange={(e) => {
          const files = Array.from(e.target.files || []);
          e.target.value = "";
          if (editor) upload(editor, files, null);
        }}
      />
      {problem ? <div className="editor-problem" role="alert">{problem}</div> : null}
    </div>
  );
}

"""Keyboard work in the agent workspace, in the browser: j/k move through the queue, Enter opens, x selects,
/ focuses search, ? lists the keys; on a ticket a assigns it to the agent, r starts a reply, n a note, Esc goes
back to the queue. Nothing fires while typing in a field or while a dialog is open (Esc still closes it).

Sent by the queue's and the ticket page's load as `rx.call_script` (the page's policy runs scripts a backend
event sends; inline scripts it allows by hash only), installed once per tab."""

from __future__ import annotations

from typing import Any

import reflex as rx

KEYS_JS = r"""
(() => {
  if (window.__autocrmKeys) return;
  window.__autocrmKeys = true;
  const typing = (el) => !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)
    || el.getAttribute('role') === 'textbox' || el.getAttribute('role') === 'combobox');
  const visible = (el) => !!el && el.offsetParent !== null;
  const rows = () => Array.from(document.querySelectorAll('.queue-row, .queue-card')).filter(visible);
  const click = (selector) => {
    const el = Array.from(document.querySelectorAll(selector)).find(visible);
    if (el) el.click();
    return !!el;
  };
  const move = (step) => {
    const list = rows();
    if (!list.length) return;
    const at = list.indexOf(document.activeElement.closest && document.activeElement.closest('.queue-row, .queue-card'));
    const next = list[Math.max(0, Math.min(list.length - 1, at < 0 ? (step > 0 ? 0 : list.length - 1) : at + step))];
    next.focus();
    next.scrollIntoView({block: 'nearest'});
  };
  const composer = (mode) => {
    const items = Array.from(document.querySelectorAll('.composer-mode [role=radio], .composer-mode button'));
    const item = items.find((el) => (el.getAttribute('value') || el.dataset.value || '').includes(mode)) || items[mode === 'reply' ? 0 : 1];
    if (item) item.click();
    setTimeout(() => { const body = document.getElementById('composer-body'); if (body) body.focus(); }, 50);
  };
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (typing(document.activeElement)) return;
    if (document.querySelector('[role=dialog], [role=alertdialog]')) return;
    const path = location.pathname.replace(/\/$/, '');
    const onQueue = path === '/agent';
    const onTicket = path.startsWith('/agent/tickets/');
    const row = document.activeElement && document.activeElement.closest && document.activeElement.closest('.queue-row, .queue-card');
    let done = true;
    if (e.key === '?' && (onQueue || onTicket)) done = click('.shortcuts-button');
    else if (onQueue && e.key === 'j') move(1);
    else if (onQueue && e.key === 'k') move(-1);
    else if (onQueue && e.key === '/') { const box = document.getElementById('queue-search'); if (box) box.focus(); else done = false; }
    else if (onQueue && e.key === 'Enter' && row) row.click();
    else if (onQueue && e.key === 'x' && row) { const box = row.querySelector('.row-select'); if (box) box.click(); else done = false; }
    else if (onTicket && e.key === 'a') done = click('.assign-me');
    else if (onTicket && e.key === 'r') composer('reply');
    else if (onTicket && e.key === 'n') composer('note');
    else if (onTicket && e.key === 'Escape') { if (history.length > 1) history.back(); else location.assign('/agent'); }
    else done = false;
    if (done) e.preventDefault();
  });
})();
"""


def install() -> Any:
    return rx.call_script(KEYS_JS)

"""A block people can drag onto another one: native HTML5 drag and drop (no library), which Reflex's elements do
not expose, so this `div` declares the drag events. Lists that use it keep buttons that do the same from the
keyboard (move up / move down)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventHandler, no_args_event_spec
from reflex_components_core.el.elements.typography import Div

# Firefox starts a drag only once the drag carries some data; the others do not mind.
_CARRY_DATA: Any = rx.vars.FunctionStringVar.create(
    "((event) => { event.dataTransfer.effectAllowed = 'move'; event.dataTransfer.setData('text/plain', ''); })"
)


class DragBlock(Div):
    on_drag_start: EventHandler[no_args_event_spec]  # type: ignore[type-arg, valid-type]
    on_drag_enter: EventHandler[no_args_event_spec]  # type: ignore[type-arg, valid-type]
    on_drag_over: EventHandler[no_args_event_spec]  # type: ignore[type-arg, valid-type]
    on_drag_end: EventHandler[no_args_event_spec]  # type: ignore[type-arg, valid-type]
    on_drop: EventHandler[no_args_event_spec]  # type: ignore[type-arg, valid-type]


def drag_block(*children: rx.Component, on_start: Any, on_enter: Any, on_drop: Any, on_end: Any, **props: Any):
    """A draggable block: `on_start` when it is picked up, `on_enter` as a dragged block comes over it, `on_drop`
    when one is dropped on it, `on_end` when the drag ends (dropped or not)."""
    return DragBlock.create(
        *children,
        draggable=True,
        on_drag_start=[_CARRY_DATA, on_start],
        on_drag_enter=[rx.prevent_default, on_enter],
        on_drag_over=rx.prevent_default,  # allows the drop; stays in the browser
        on_drop=[rx.prevent_default, on_drop],
        on_drag_end=on_end,
        **props,
    )

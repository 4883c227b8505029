"""Values computed once per content object (a persona or rubric in one version), for as long as it lives.

Content objects are loaded once per file version and never changed, so what is derived from one (an
index of its lines, say) is computed on first use and dropped with the object. Keyed by identity:
pydantic models are not hashable.
"""

import threading
import weakref
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

ContentT = TypeVar("ContentT")
ValueT = TypeVar("ValueT")


def per_content(derive: Callable[[ContentT], ValueT]) -> Callable[[ContentT], ValueT]:
    """`derive(item)`, computed once per object; a lost race computes it twice, harmlessly."""
    values: dict[int, ValueT] = {}
    lock = threading.Lock()

    def forget(key: int) -> None:
        with lock:
            values.pop(key, None)

    @wraps(derive)
    def cached(item: ContentT) -> ValueT:
        key = id(item)
        with lock:
            if key in values:
                return values[key]
        value = derive(item)
        with lock:
            if key not in values:
                values[key] = value
                weakref.finalize(item, forget, key)
            return values[key]

    return cached

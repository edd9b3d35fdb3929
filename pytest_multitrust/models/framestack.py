"""Deep Python calls that do not thrash CPython's frame stack, whatever the caller's depth.

CPython (3.11 and later) keeps the frames of Python calls on a per-thread stack made of
chunks of 16 KiB. A call whose frame does not fit in what is left of the current chunk
gets a new chunk (``mmap``), and the chunk is freed (``munmap``) as soon as that first
frame returns. Code that calls down and back up again and again across such a boundary
allocates and frees a chunk at every crossing: two system calls and at least one page
fault each. A transformers ``generate`` is such code: every decoding step goes tens of
levels deep through the model's modules and comes back. Whether a chunk boundary falls
inside the depths it visits depends only on how deep its caller already is, so the same
``generate`` on the same batches can cost more when pytest's hooks call it than when a
short loop does: in ``benchmarks/bench_generation.py`` the plugin's test loop of
tiny-llava allocated about 16,000 chunks (``strace``: ``mmap`` and ``munmap`` of 16 KiB)
where the hand-written loop allocated none, and its ``generate`` calls took 30 to 40 %
more CPU. Loading the weights with transformers allocated another 4,600.

:func:`call_with_headroom` calls a function from a frame larger than a standard chunk
can hold, so that frame always starts a chunk of its own, of 64 KiB, and leaves about
40 KiB of it to what the function calls: one chunk allocated per call instead of one per
crossing, at any depth of the caller. On other Python implementations it is a plain call
with one more frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["HEADROOM_LOCALS", "call_with_headroom"]

_P = ParamSpec("_P")
_T = TypeVar("_T")

#: Local variables of the calling frame. CPython sizes a new chunk as the smallest of
#: 16 KiB, 32 KiB, 64 KiB, ... that holds the frame plus 1,000 words of room: a frame of
#: more than 3,096 words (8 bytes each) gets 64 KiB, of which it leaves about 40 KiB.
#: Any frame of more than 2,048 words (16 KiB) is too big for the current chunk.
HEADROOM_LOCALS = 3100


def _build_caller() -> Callable[..., Any]:
    """A function ``(function, /, *args, **kwargs)`` with :data:`HEADROOM_LOCALS` locals.

    The locals are named in a branch that never runs: the compiler counts them (and
    sizes the frame for them) all the same.
    """
    names = " = ".join(f"_{index}" for index in range(HEADROOM_LOCALS))
    source = (
        "def call_with_headroom(function, /, *args, **kwargs):\n"
        "    __tracebackhide__ = True  # pytest leaves this frame out of tracebacks\n"
        "    if False:  # never runs: these names only make the frame big\n"
        f"        {names} = None\n"
        "    return function(*args, **kwargs)\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<pytest_multitrust.models.framestack>", "exec"), namespace)
    caller: Callable[..., Any] = namespace["call_with_headroom"]
    return caller


_CALLER = _build_caller()


def call_with_headroom(function: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """``function(*args, **kwargs)``, from a frame that starts a frame-stack chunk of its own.

    Its return value and its exceptions are the function's.

    >>> call_with_headroom(divmod, 7, 2)
    (3, 1)
    """
    __tracebackhide__ = True
    return cast("_T", _CALLER(function, *args, **kwargs))

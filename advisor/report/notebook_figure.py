"""Figures that also show on GitHub and nbviewer: a static PNG beside the plotly MIME type.

GitHub and nbviewer render a notebook's stored outputs without running JavaScript, so a
figure stored only as ``application/vnd.plotly.v1+json`` shows as nothing there. Every figure
the public API returns is a :class:`NotebookFigure`: a plain ``plotly.graph_objects.Figure``
whose notebook display adds an ``image/png`` of itself, drawn by kaleido in the local Chrome or
Chromium (no network; kaleido never downloads a browser here). JupyterLab, VS Code and
Jupyter Notebook 7 still pick the interactive plotly output; viewers that cannot run it show
the PNG. Without kaleido or a browser the bundle carries a short ``text/html`` note instead
(``pip install 'advisor[notebooks]'`` installs kaleido). ``ADVISOR_STATIC_FIGURES=0`` turns
the static copy off.
"""

from __future__ import annotations

import atexit
import base64
import functools
import html
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from advisor.report.figdict import FigureDict

if TYPE_CHECKING:
    import plotly.graph_objects as go

STATIC_WIDTH_PX = 900
"""Width of the static copy; its height is the figure's own (or 450 px)."""
DEFAULT_HEIGHT_PX = 450
PNG = "image/png"


def static_enabled() -> bool:
    return os.environ.get("ADVISOR_STATIC_FIGURES", "1").strip().lower() not in ("0", "false", "no")


@functools.cache
def _start_kaleido() -> bool:
    """Start one persistent kaleido browser per process (the first image takes seconds)."""
    try:
        import kaleido
    except ImportError:
        return False
    try:
        kaleido.start_sync_server(silence_warnings=True)
    except Exception:  # kaleido without a usable browser: fall back to the note
        return False
    atexit.register(kaleido.stop_sync_server, silence_warnings=True)
    return True


def static_png(fig: go.Figure) -> tuple[bytes | None, str]:
    """The figure as PNG bytes, or ``None`` and why not."""
    if not _start_kaleido():
        return None, "kaleido is not installed (pip install 'advisor[notebooks]')"
    import plotly.io as pio

    height = fig.layout.height or DEFAULT_HEIGHT_PX
    try:
        return pio.to_image(fig, format="png", width=STATIC_WIDTH_PX, height=height), ""
    except Exception as exc:  # no Chrome/Chromium, or it failed to start
        return None, f"no static copy: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"


def _ipython_display_(self: Any) -> None:
    """IPython calls this before ``_repr_mimebundle_``; plotly's own goes to ``pio.show``."""
    import plotly.io as pio

    if not (pio.renderers.render_on_display and pio.renderers.default):
        print(repr(self))
        return
    from IPython.display import display

    display(self._repr_mimebundle_(), raw=True)


def _repr_mimebundle_(self: Any, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
    import plotly.graph_objects as go

    bundle = go.Figure._repr_mimebundle_(self, include, exclude, **kwargs)
    if not bundle or not static_enabled() or PNG in bundle:
        return bundle  # nothing displayed inline (e.g. the "browser" renderer), or done
    png, why = static_png(self)
    if png is None:
        if "text/html" not in bundle:
            title = self.layout.title.text or "figure"
            bundle["text/html"] = (
                f"<p><em>Interactive plotly figure: {html.escape(str(title))}. Open the "
                f"notebook in Jupyter to see it ({html.escape(why)}).</em></p>"
            )
        return bundle
    b64 = base64.b64encode(png).decode("ascii")
    bundle[PNG] = b64
    if "text/html" in bundle:
        bundle["text/html"] = with_static_image(bundle["text/html"], b64)
    return bundle


@functools.cache
def _notebook_figure_class() -> type:
    """``NotebookFigure``: a plotly Figure whose notebook output also stores a static copy
    (see module doc). Defined on first use, so importing advisor does not import plotly."""
    import plotly.graph_objects as go

    return type(
        "NotebookFigure",
        (go.Figure,),
        {
            "__module__": __name__,
            "__doc__": _notebook_figure_class.__doc__,
            "_ipython_display_": _ipython_display_,
            "_repr_mimebundle_": _repr_mimebundle_,
        },
    )


def __getattr__(name: str) -> Any:
    if name == "NotebookFigure":
        return _notebook_figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


STATIC_IMG_CLASS = "advisor-static-figure"


def with_static_image(figure_html: str, png_b64: str) -> str:
    """A renderer's script-driven figure HTML with the PNG in front of it.

    Viewers give ``text/html`` priority over ``image/png``; those that strip scripts (GitHub)
    would show an empty box. Here they show the image; where scripts run, a one-line script
    removes the image, leaving the interactive figure.
    """
    remove = (
        "<script>(function(s){var i=s.parentNode.querySelector('img."
        + STATIC_IMG_CLASS
        + "');if(i){i.remove();}})(document.currentScript);</script>"
    )
    img = (
        f'<img class="{STATIC_IMG_CLASS}" alt="figure" style="max-width:100%" '
        f'src="data:image/png;base64,{png_b64}">'
    )
    return f"<div>{img}{figure_html}{remove}</div>"


def notebook_figure(fig: Any) -> go.Figure:
    """``fig`` (a plotly Figure or a :class:`~advisor.report.figdict.FigureDict`) as a
    ``NotebookFigure`` (the same data and layout)."""
    cls = _notebook_figure_class()
    if isinstance(fig, cls):
        return fig
    return cls(fig.to_dict() if isinstance(fig, FigureDict) else fig)


def returns_notebook_figure(func: Callable[..., Any]) -> Callable[..., go.Figure]:
    """Decorator for public figure methods."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> go.Figure:
        return notebook_figure(func(*args, **kwargs))

    return wrapper

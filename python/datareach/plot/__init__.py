"""Charts of analysis results (docs/design.md §5b), one module per chart family. Each
result's ``plot`` method imports its module on demand, so ``import datareach`` never
imports matplotlib; without matplotlib a chart raises an ImportError naming
``pip install 'datareach[plot]'``.

Every chart draws on the Axes given (``ax=``) or on a new figure, returns the Axes, never
calls ``plt.show()`` and never changes matplotlib's global settings."""

from ._style import FOOTER, INSTALL

__all__ = ["FOOTER", "INSTALL"]

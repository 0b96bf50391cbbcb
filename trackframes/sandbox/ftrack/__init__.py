"""A local ftrack server that the real ``ftrack_api`` client accepts.

The pieces, one concern each:

* :mod:`.expression` (with :mod:`.syntax`): the query language's parser;
* :mod:`.store`, :mod:`.schemas`: schemas in ``query_schemas`` format, records,
  relations through foreign keys;
* :mod:`.evaluate`, :mod:`.aggregate`, :mod:`.values`: what a query selects;
* :mod:`.encode`: how a server encodes the result;
* :mod:`.api`, :mod:`.server`, :mod:`.knobs`: the ``POST /api`` endpoint;
* :mod:`.render_production`, :mod:`.launch`: the neutral production in ftrack's
  model, and :func:`start`, what ``tf.sandbox.serve(backend="ftrack")`` calls.

It has its own parser on purpose: the sandbox is an independent check of the
trackframes ftrack client, whose query compiler is ``trackframes.backends.ftrack.ql``.

>>> from trackframes.sandbox.ftrack import FtrackServer, Store, standard_schemas, standard_relations
>>> store = Store(standard_schemas(), {"Project": [
...     {"id": "p1", "name": "copper", "full_name": "Copper Sky", "context_type": "show"}]},
...     standard_relations())
>>> with FtrackServer(store) as server:
...     server.url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

from .errors import OperationError, ParseError, ValidationError
from .evaluate import evaluate
from .expression import parse
from .knobs import Knobs, Stats
from .launch import OPTIONS, FtrackSandbox, knob_names, start
from .schemas import standard_relations, standard_schemas
from .server import FtrackServer
from .store import Record, Relation, Store

__all__ = ["FtrackServer", "Knobs", "Stats", "Store", "Record", "Relation", "standard_schemas",
           "standard_relations", "parse", "evaluate", "ParseError", "ValidationError", "OperationError",
           "start", "knob_names", "OPTIONS", "FtrackSandbox"]

"""What every silo process shares and the wire does not: Django settings pieces, connection
hygiene around served calls, the process's composition root, the generic RelocationService
servicer over Django models, and the generator of ``shared/backup/models.json``.

Layering: ``region`` and ``control`` build on this package; it builds on ``shared.rpc``
(transport: channels, auth, codecs, clients, server) and ``shared.backup`` (the engine).
"""

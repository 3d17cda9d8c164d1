"""surveybuild's own templates (``surveybuild/templates``), compiled by jinja2 ahead of time: ``invoke compile-templates``
writes one module per template of :data:`surveybuild.renderers.templating.PRECOMPILED`. Each says what it was made
from; :class:`surveybuild.renderers.templating.PackageTemplates` uses it only while that is still so."""

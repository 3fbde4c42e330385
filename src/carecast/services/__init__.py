"""One service per job, between the analytic libraries and the front ends (CLI, web app, demo).

Each module holds a frozen request (its defaults, defined once, and its checks), and a ``run_*``
function that reads and cross-checks every input before any heavy work, logs the job, reports
progress through a callback, and returns the domain result with its :class:`~carecast.outputs.Report`.
Front ends build a request, call the service and show or write what it returns; they hold no
job logic of their own. Modules are imported by name (``carecast.services.forecast``) so a command
pays only for its own job.
"""

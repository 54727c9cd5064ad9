"""gunicorn settings for `make serve` (and the tests that run the real server).

The access log keeps what running the service needs: time, method, path, status, size,
duration and user agent. No query string (searches carry clients' names, emails and
phones) and no Referer (it repeats the previous page's query): log files are beyond
the reach of erasure. app.logs.GunicornLogger strips query strings from every atom and
from the error log as well, so a changed format stays clean.
"""

wsgi_app = "wsgi:app"
logger_class = "app.logs.GunicornLogger"
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms "%(a)s"'

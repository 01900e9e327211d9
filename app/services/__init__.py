"""Work the routes ask for that is more than one store call: joining a session, signing in, the group commit
of answers, a round's report (the round, its baseline, scores, targets: worked out once for pages, charts
and downloads), exports, the demo. A service that changes data records it in the audit log itself.

Services use the store and the domain; they never import FastAPI or `app.web`.
"""

"""The production profile on one machine (`make prod`, README "Production").

nginx (TLS, limits, routing) in front of two Rasa servers, two action servers and the web app
under gunicorn, all on loopback; PostgreSQL for the intake and tracker databases, Redis for
Rasa's lock store and the web app's limits. One module per concern:

- `certificate`: the self-signed certificate (a real one is configuration);
- `nginx`: nginx's configuration rendered from deploy/nginx.conf.j2, installing nginx;
- `databases`: the PostgreSQL databases created when missing, the intake schema migrated;
- `processes`: one server process, started, watched, stopped;
- `profile`: the whole profile, for the launcher, the fault tests and `make bench-prod`;
- `__main__`: `python -m bot.prod run` (`make prod`).

Settings: bot.config.ProdSettings (PROD_* and the contract's variables).
"""

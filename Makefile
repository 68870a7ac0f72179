# Targets delegate to scripts/ (see README.md and docs/development.md).
# Another interpreter: make test PYTHON=/path/to/python
PYTHON ?= python3
export PYTHON

.PHONY: test lint engine-test odoo-test run stop pot bench

test:         # requirements, lint, engine tests, Odoo suite and make run checks (if Odoo 18)
	scripts/test.sh
lint:         # ruff, pylint-odoo (odoolint checks), OCA's module and .po checkers
	scripts/test.sh deps lint
engine-test:  # plain-Python engine tests (tests/engine)
	scripts/test.sh deps engine
odoo-test:    # Odoo suite only, on a throwaway PostgreSQL cluster (TESTS="tests/test_x.py ...")
	scripts/test.sh deps odoo
run:          # serve the add-on with demo data on http://localhost:8069
	scripts/run.sh
stop:         # stop make run's server and its PostgreSQL
	scripts/run.sh stop
pot:          # export the add-on's terms to i18n/stock_marketplace_feed.pot (POT=path)
	scripts/run.sh pot
bench:        # scripts/bench.py against a cluster kept in .bench/ (ARGS=--quick)
	scripts/run.sh bench $(ARGS)

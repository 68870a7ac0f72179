# Targets delegate to scripts/ (see README.md, "Running and testing in detail").
# Another interpreter: make test PYTHON=/path/to/python
PYTHON ?= python3
export PYTHON

.PHONY: test lint engine-test odoo-test run bench

test:         # requirements, lint, engine tests, Odoo suite (if Odoo 18)
	scripts/test.sh
lint:         # ruff + pylint-odoo mandatory checks
	scripts/test.sh deps lint
engine-test:  # plain-Python engine tests (tests/engine)
	scripts/test.sh deps engine
odoo-test:    # Odoo suite only, on a throwaway PostgreSQL cluster
	scripts/test.sh deps odoo
run:          # serve the add-on with demo data on http://localhost:8069
	scripts/run.sh
bench:        # scripts/bench.py against a cluster kept in .bench/ (ARGS=--quick)
	scripts/run.sh bench $(ARGS)

#!/usr/bin/env bash
# The product on PostgreSQL as it runs in production: migrations as the owner, then `db_roles`, then the
# application as the restricted runtime role (a decision writes its audit event; the chain verifies).
# The test suite itself connects as the owner: pytest-django empties tables with TRUNCATE, which the runtime
# role may not do; tests/governance/test_audit_roles.py checks that role's rights over a real connection.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_URL=${1:?usage: .ci/runtime_role.sh postgres://owner@host:port/any_db}
BASE=${PG_URL%/*}
DB=bochum_ci_roles
ROLE=bochum_ci_app
OWNER_URL=$BASE/$DB
APP_URL=$(printf '%s' "$BASE" | sed -E "s#^(postgres(ql)?://)([^@/]*@)?#\1$ROLE:ci-runtime@#")/$DB
PY=${PYTHON:-.venv/bin/python}
# Management commands only; the production settings are checked elsewhere in .ci/run.
export DEBUG=true

psql "$BASE/postgres" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
DATABASE_URL=$OWNER_URL $PY manage.py migrate --noinput -v0
DATABASE_URL=$OWNER_URL DATABASE_APP_URL=$APP_URL $PY manage.py db_roles
DATABASE_URL=$APP_URL $PY manage.py migrate --check
DATABASE_URL=$APP_URL $PY manage.py load_strategy
DATABASE_URL=$APP_URL $PY manage.py shell -c "
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from governance.models import Kompetenz
from workflow import services
from workflow.rights import Role, role_groups_ensure
role_groups_ensure()
lead = get_user_model().objects.create_user('ci_projektleitung')
lead.groups.add(Group.objects.get(name=Role.PROJEKTGRUPPE.value))
ka = services.kernaktivitaet_create_proposal(
    actor=lead, kompetenz=Kompetenz.objects.order_by('position').first(), titel='CI', smart_ziele='CI'
)
print('proposal', ka.code, 'written as the runtime role')
"
DATABASE_URL=$APP_URL $PY manage.py verify_audit
if DATABASE_URL=$APP_URL $PY manage.py shell -c "
from django.db import connection
connection.cursor().execute('TRUNCATE governance_auditevent')
" 2>/dev/null; then
  echo "the runtime role could TRUNCATE the audit table" >&2; exit 1
fi
psql "$BASE/postgres" -q -c "DROP DATABASE $DB" -c "DROP ROLE $ROLE"
echo "runtime role: OK"

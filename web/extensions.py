"""Flask extensions bound to the engine's declarative base."""
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf import CSRFProtect

from engine.models import Base


class OneEngineSession(Session):
    """Flask-SQLAlchemy's session, which looks up the engine of every statement's table by its bind key; the app
    has one engine (no SQLALCHEMY_BINDS), so the session keeps the one it found first for the rest of its life
    (one app context: one app, one engine)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is not None:
            return bind
        engine = self.__dict__.get("_one_engine")
        if engine is None:
            engines = self._db.engines
            if len(engines) != 1 or None not in engines:
                return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
            engine = self._one_engine = engines[None]
        return engine


db = SQLAlchemy(model_class=Base, session_options={"class_": OneEngineSession})
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()

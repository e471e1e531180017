from autocrm.core.settings import Settings


def test_defaults_put_everything_under_the_data_dir(tmp_path):
    settings = Settings(data_dir=tmp_path / "d", _env_file=None)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'd' / 'autocrm.db'}"
    assert settings.is_sqlite
    assert settings.redis_url is None


def test_secret_key_is_generated_once_and_kept(tmp_path):
    settings = Settings(data_dir=tmp_path, _env_file=None)
    first = settings.resolved_secret_key
    assert len(first) >= 40
    assert Settings(data_dir=tmp_path, _env_file=None).resolved_secret_key == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOCRM_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    monkeypatch.setenv("AUTOCRM_SECRET_KEY", "from-env")
    settings = Settings(data_dir=tmp_path, _env_file=None)
    assert not settings.is_sqlite
    assert settings.resolved_secret_key == "from-env"

"""Say clearly whether the PostgreSQL and Redis that `make test` needs are reachable."""

import os
import sys

import environ
import psycopg
import redis


def main():
    problems = []
    database_url = os.environ["DATABASE_URL"]
    config = environ.Env.db_url_config(database_url)
    try:
        psycopg.connect(
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            dbname=config["NAME"],
            connect_timeout=5,
        ).close()
    except psycopg.Error as error:
        problems.append(f"PostgreSQL at {database_url} is unreachable: {error}".strip())
    redis_url = os.environ["REDIS_URL"]
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        problems.append(f"Redis at {redis_url} is unreachable: {error}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(
            "Start the services (see README, 'Services') or point TEST_DATABASE_URL / "
            "TEST_REDIS_URL at running ones.",
            file=sys.stderr,
        )
        sys.exit(1)
    print("PostgreSQL and Redis are reachable.")


if __name__ == "__main__":
    main()

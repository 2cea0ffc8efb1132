FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic opens no database connection: the URL only satisfies settings, nothing listens there.
RUN DATABASE_URL=postgres://collectstatic@localhost/unused python manage.py collectstatic --noinput --verbosity 0
EXPOSE 8000
CMD ["gunicorn", "casino.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

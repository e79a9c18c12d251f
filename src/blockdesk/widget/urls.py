

app_name = "widget"
urlpatterns: list = []

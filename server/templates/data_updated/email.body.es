Estimado(a) usuario(a):

Le informamos que los datos personales asociados a la Clave Sence del RUT {{rut}} ({{what}}) fueron actualizados correctamente.

Si usted no hizo este cambio, abra este enlace y pulse «No fui yo»: su cuenta quedará congelada, sus datos de contacto anteriores volverán a su lugar y nadie podrá usarla hasta que usted la recupere con el número de serie de su cédula (el enlace vale 10 días):
{{no_fui_yo}}

También puede llamarnos gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.

Atte.
SENCE
